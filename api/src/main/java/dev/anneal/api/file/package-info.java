/** OpenAI's Files API: streaming, validated uploads and downloads of a tenant's files. */
package dev.anneal.api.file;
