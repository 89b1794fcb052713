/**
 * Reading model weights: {@link dev.anneal.tuner.checkpoint.SafetensorsFile} parses safetensors
 * files itself and converts F32, F16 and BF16 to float32 in Java (DJL aborts the JVM on BF16);
 * {@link dev.anneal.tuner.checkpoint.HfCheckpoint} resolves tensors in a single file or in shards
 * through {@code model.safetensors.index.json}; {@link dev.anneal.tuner.checkpoint.HfModelLoader}
 * builds a model from a Hugging Face folder. Problems surface as {@link
 * dev.anneal.tuner.checkpoint.CheckpointException}s naming the tensor and the file. Imports nothing
 * from Quarkus, Hibernate or Kafka.
 */
package dev.anneal.tuner.checkpoint;
