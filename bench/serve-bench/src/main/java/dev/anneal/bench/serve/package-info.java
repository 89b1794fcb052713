/**
 * Benchmarks of serving, printed as Markdown tables with the reference beside the result: {@link
 * dev.anneal.bench.serve.SingleStreamBench} (one stream's time to first token and decode tokens/s,
 * beside PyTorch and the memory-bandwidth roofline) and {@link
 * dev.anneal.bench.serve.ConcurrencyBench} (aggregate tokens/s and latency percentiles under
 * concurrent streams, base model only and with distinct LoRA adapters). Both go through the
 * product's {@link dev.anneal.serving.ServingEngine} with an in-memory model store; {@link
 * dev.anneal.bench.serve.TimedStream} is the one class that submits to it. The models, the PyTorch
 * reference and the machine's description are {@code bench/engine-bench}'s; {@code
 * bench/serve-bench.sh} builds and runs it all.
 */
package dev.anneal.bench.serve;
