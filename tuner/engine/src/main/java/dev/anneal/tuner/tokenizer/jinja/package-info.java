/**
 * Jinja as Hugging Face's {@code apply_chat_template} runs it, on Jinjava: {@link
 * dev.anneal.tuner.tokenizer.jinja.JinjaTemplate} renders a model's {@code chat_template} to the
 * same bytes as Jinja2 with {@code trim_blocks}, {@code lstrip_blocks}, {@code raise_exception},
 * {@code strftime_now} and {@code tojson}, by applying Jinja2's whitespace rules itself and giving
 * strings Python's methods. Imports nothing from Quarkus, Hibernate or Kafka.
 */
package dev.anneal.tuner.tokenizer.jinja;
