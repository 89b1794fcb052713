/**
 * From dataset lines to training batches: {@link dev.anneal.tuner.data.ExampleEncoder} tokenises
 * chat, prompt-completion and text lines with a loss mask, {@link
 * dev.anneal.tuner.data.PreferenceEncoder} preference lines into {@link
 * dev.anneal.tuner.data.PreferencePair}s; {@link dev.anneal.tuner.data.SequencePacker} truncates or
 * splits them to the sequence length and packs short ones into shared rows (each example its own
 * segment, positions restarting at 0, so that attention never crosses an example boundary), or puts
 * the two sides of each pair in one row; {@link dev.anneal.tuner.data.BatchLoader} shuffles rows
 * deterministically by seed and epoch, collates {@link dev.anneal.tuner.data.Batch}es and keeps a
 * {@link dev.anneal.tuner.data.DataPosition} that a checkpoint saves.
 *
 * <p>Everything here is plain Java; a batch becomes NDArrays only in the training step's manager
 * ({@link dev.anneal.tuner.data.Batch#toArrays}). Imports nothing from Quarkus, Hibernate or Kafka.
 */
package dev.anneal.tuner.data;
