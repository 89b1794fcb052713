/**
 * Training recipes, one class per method with its loop written out (torchtune's style, no
 * inheritance between recipes): {@link dev.anneal.tuner.recipe.SftRecipe} for supervised
 * fine-tuning on chat and prompt-completion data, {@link dev.anneal.tuner.recipe.PretrainRecipe}
 * for continued pre-training on raw text, {@link dev.anneal.tuner.recipe.DpoRecipe} for DPO on
 * preference data, each full or LoRA. They share one training loop, and differ in a {@code
 * TrainingObjective}: how files become rows and how a batch is scored. {@link
 * dev.anneal.tuner.recipe.Recipe#of} picks the recipe a {@link
 * dev.anneal.tuner.train.TrainingConfig} names. Imports nothing from Quarkus, Hibernate or Kafka.
 */
package dev.anneal.tuner.recipe;
