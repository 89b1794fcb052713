/**
 * Training recipes, one class per method: {@link dev.anneal.tuner.recipe.SftRecipe} for supervised
 * fine-tuning on chat and prompt-completion data, {@link dev.anneal.tuner.recipe.PretrainRecipe}
 * for continued pre-training on raw text, {@link dev.anneal.tuner.recipe.DpoRecipe} for DPO on
 * preference data, each full or LoRA. A recipe does not inherit from another: each hands the one
 * training loop ({@code TrainingLoop}, its steps written out in {@code TrainingRun}) its {@code
 * TrainingObjective}, which says how a file becomes rows and how a batch is scored. {@link
 * dev.anneal.tuner.recipe.Recipe#of} picks the recipe a {@link
 * dev.anneal.tuner.train.TrainingConfig} names. Imports nothing from Quarkus, Hibernate or Kafka.
 */
package dev.anneal.tuner.recipe;
