/**
 * The parts every training recipe is built from: the YAML {@link
 * dev.anneal.tuner.train.TrainingConfig} with its sections, validated before anything trains; the
 * {@link dev.anneal.tuner.train.TrainableModel} (full or LoRA, base frozen); the {@link
 * dev.anneal.tuner.train.TrainingListener} and its typed {@link
 * dev.anneal.tuner.train.TrainingEvent}s; the {@link dev.anneal.tuner.train.LossSpikeDetector}; the
 * {@link dev.anneal.tuner.train.TrainingState} that a rollback restores and a checkpoint saves; and
 * the {@link dev.anneal.tuner.train.BatchLoss} a method scores batches with, and the {@link
 * dev.anneal.tuner.train.Evaluator} of validation loss, metrics and token accuracy. The loops
 * themselves are written out in the recipes ({@code dev.anneal.tuner.recipe}). Imports nothing from
 * Quarkus, Hibernate or Kafka.
 */
package dev.anneal.tuner.train;
