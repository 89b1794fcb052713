/**
 * Streaming validation of uploaded fine-tuning datasets in JSONL: chat, prompt-completion,
 * preference and plain-text lines, checked chunk by chunk while the upload streams in.
 */
package dev.anneal.store.file.format;
