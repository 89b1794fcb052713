/**
 * Low-rank adaptation (<a href="https://arxiv.org/abs/2106.09685">Hu et al., 2021</a>): {@link
 * dev.anneal.tuner.lora.LoraLinear} wraps a frozen projection with a trainable low-rank update,
 * {@link dev.anneal.tuner.lora.LoraProjections} puts it on the target modules of a decoder through
 * the model's {@link dev.anneal.tuner.model.ProjectionFactory} seam, {@link
 * dev.anneal.tuner.lora.LoraConfig} holds rank, alpha, dropout and targets.
 *
 * <p>Parameters are named as PEFT names them inside the Hugging Face module tree ({@code
 * model.layers.0.self_attn.q_proj.lora_A.weight}, {@code [r, in]}; {@code lora_B.weight}, {@code
 * [out, r]}), so adapters export without a mapping table. Imports nothing from Quarkus, Hibernate
 * or Kafka.
 */
package dev.anneal.tuner.lora;
