/**
 * Training objectives on a causal language model's logits: {@link
 * dev.anneal.tuner.loss.MaskedCrossEntropyLoss}, the next-token cross-entropy over the tokens a
 * loss mask selects, and its companion metric, token accuracy; {@link
 * dev.anneal.tuner.loss.DpoLoss}, the sigmoid DPO loss over preference pairs. Shapes follow the
 * data package: logits {@code [batch, seq, vocab]}, labels and mask {@code [batch, seq]}. Imports
 * nothing from Quarkus, Hibernate or Kafka.
 */
package dev.anneal.tuner.loss;
