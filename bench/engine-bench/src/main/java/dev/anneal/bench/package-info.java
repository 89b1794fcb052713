/**
 * Benchmarks of the engine against PyTorch on the same machine, printed as Markdown tables with the
 * reference beside the result: {@link dev.anneal.bench.GenerationBench} (generation tokens/s with
 * the KV cache), {@link dev.anneal.bench.TrainingBench} (LoRA training tokens/s through the recipe)
 * and {@link dev.anneal.bench.MemoryBench} (resident memory over many steps). The PyTorch side is
 * {@code bench/engine-bench/python/generate_reference.py} and {@code train_reference.py}, run by
 * {@link dev.anneal.bench.PyTorchReference}; {@code bench/engine-bench/run.sh} builds and runs it
 * all. {@link dev.anneal.bench.SyntheticModel}, {@link dev.anneal.bench.PyTorchReference}, {@link
 * dev.anneal.bench.Machine} and {@link dev.anneal.bench.BenchArguments} are public for {@code
 * bench/serve-bench}, which serves the same models against the same reference.
 */
package dev.anneal.bench;
