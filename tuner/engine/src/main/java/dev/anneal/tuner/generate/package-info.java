/**
 * Text generation with a KV cache: {@link dev.anneal.tuner.generate.Generator} runs the loop over a
 * {@link dev.anneal.tuner.model.CausalLm}; {@link dev.anneal.tuner.generate.TokenSampler} picks
 * tokens (greedy, temperature, top-k, top-p, seeded); {@link
 * dev.anneal.tuner.generate.GenerationConfig} holds the limits and stopping rules, with defaults
 * from a model's {@code generation_config.json}. {@link dev.anneal.tuner.generate.SequenceDecoder}
 * is the per-token step (what to feed, which token comes next, when to stop, which text is safe to
 * show) that both the generator and the serving scheduler drive.
 *
 * <p>Serving several adapters from one base model plugs in as a {@code CausalLm} per adapter over
 * shared base weights; nothing here changes. Imports nothing from Quarkus, Hibernate or Kafka.
 */
package dev.anneal.tuner.generate;
