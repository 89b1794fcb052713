/**
 * The LLaMA-family decoder as DJL blocks: {@link dev.anneal.tuner.model.LlamaConfig} from a Hugging
 * Face {@code config.json}, {@link dev.anneal.tuner.model.LlamaForCausalLM} with its {@link
 * dev.anneal.tuner.model.LlamaDecoderLayer}s ({@link dev.anneal.tuner.model.RmsNorm}, {@link
 * dev.anneal.tuner.model.RotaryEmbedding}, grouped-query attention, SwiGLU), and the {@link
 * dev.anneal.tuner.model.KvCache} of inference.
 *
 * <p>The block tree mirrors the Hugging Face module tree, so parameter names are the checkpoint's
 * ({@link dev.anneal.tuner.model.StateDict}). Every linear projection comes from a {@link
 * dev.anneal.tuner.model.ProjectionFactory}, the seam for LoRA; generation sees the model through
 * {@link dev.anneal.tuner.model.CausalLm}, the seam for serving adapters.
 *
 * <p>Memory rules (see docs/djl-facts.md): every intermediate belongs to the manager of the input
 * ids, so a per-step sub-manager frees it; long-lived constants (rotary tables, scalars) are arrays
 * created once and used as second operands; no {@code NDArray.mul(Number)}-style scalar overload is
 * used on a path autograd records. Imports nothing from Quarkus, Hibernate or Kafka.
 */
package dev.anneal.tuner.model;
