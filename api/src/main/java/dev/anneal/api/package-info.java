/**
 * The REST API: OpenAI-compatible resources where a counterpart exists, and the platform's own
 * beside them.
 */
package dev.anneal.api;
