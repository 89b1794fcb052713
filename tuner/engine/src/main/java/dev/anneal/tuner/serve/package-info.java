/**
 * Serving several LoRA adapters from one loaded base model: {@link
 * dev.anneal.tuner.serve.MultiAdapterModel} loads the base once, registers and removes PEFT
 * adapters by id at run time, and hands each request an {@link dev.anneal.tuner.serve.AdapterView},
 * the {@link dev.anneal.tuner.model.CausalLm} of one adapter (or of the plain base) that {@link
 * dev.anneal.tuner.generate.Generator} runs on unchanged.
 *
 * <p>The adapter a forward pass applies travels with the call, in the {@link
 * ai.djl.training.ParameterStore} the model hands to every projection; nothing shared is switched,
 * so requests with different adapters run concurrently. Imports nothing from Quarkus, Hibernate or
 * Kafka.
 */
package dev.anneal.tuner.serve;
