/**
 * The built-in toy base model: {@link dev.anneal.tuner.nano.AnnealNano} writes {@code anneal-nano}
 * (a small LLaMA-architecture model with random weights from a fixed seed and a byte-level
 * tokenizer) as a Hugging Face model folder on first use, so that a fresh install can fine-tune end
 * to end with nothing downloaded. Imports nothing from Quarkus, Hibernate or Kafka.
 */
package dev.anneal.tuner.nano;
