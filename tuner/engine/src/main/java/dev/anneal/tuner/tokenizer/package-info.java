/**
 * Text to token ids and back: {@link dev.anneal.tuner.tokenizer.TextTokenizer} over DJL's Hugging
 * Face tokenizers (native, offline), and {@link dev.anneal.tuner.tokenizer.ChatTemplate}, which
 * renders conversations with the model's own Jinja {@code chat_template} (or a documented default),
 * marks the assistant tokens that chat fine-tuning computes its loss on, and names the end-of-turn
 * markers generation stops at. Imports nothing from Quarkus, Hibernate or Kafka.
 */
package dev.anneal.tuner.tokenizer;
