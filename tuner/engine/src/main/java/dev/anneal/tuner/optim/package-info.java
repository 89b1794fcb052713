/**
 * Optimisation: {@link dev.anneal.tuner.optim.AdamW} written on NDArrays with its state (moments
 * and step) saveable, {@link dev.anneal.tuner.optim.LrSchedule} (constant, linear, cosine, with
 * warm-up) and {@link dev.anneal.tuner.optim.GradientClipping} by global norm.
 *
 * <p>Everything here runs outside autograd, after the backward pass, so scalar overloads are safe
 * (the use-after-free of docs/djl-facts.md concerns recorded operations only); temporaries are
 * attached to the caller's per-step manager. Imports nothing from Quarkus, Hibernate or Kafka.
 */
package dev.anneal.tuner.optim;
