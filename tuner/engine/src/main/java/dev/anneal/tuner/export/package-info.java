/**
 * Export in the layouts the ecosystem loads: {@link dev.anneal.tuner.export.PeftAdapter}, a LoRA
 * adapter as PEFT saves it ({@code adapter_config.json} and {@code adapter_model.safetensors}),
 * which the engine also loads back onto a base model; {@link
 * dev.anneal.tuner.export.MergedWeights}, a plain Hugging Face model folder whose projections carry
 * the adapter's update. Imports nothing from Quarkus, Hibernate or Kafka.
 */
package dev.anneal.tuner.export;
