/**
 * Text to token ids and back: {@link dev.anneal.tuner.tokenizer.TextTokenizer} over DJL's Hugging
 * Face tokenizers (native, offline), and {@link dev.anneal.tuner.tokenizer.ChatTemplate}, which
 * recognises the common chat template families (or falls back to a documented default) and marks
 * the assistant tokens that chat fine-tuning computes its loss on. Imports nothing from Quarkus,
 * Hibernate or Kafka.
 */
package dev.anneal.tuner.tokenizer;
