/**
 * Inference on the engine, as the {@code serve} role runs it: completions of base and fine-tuned
 * models, scheduled at token boundaries, with LoRA adapters cached in memory and constrained
 * decoding for structured output. Depends on the engine only; model and adapter bytes come through
 * an interface the platform implements over its encrypted store.
 */
package dev.anneal.serving;
