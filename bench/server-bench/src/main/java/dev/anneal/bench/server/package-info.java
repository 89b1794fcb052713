/**
 * Benchmarks of the packaged server, run as separate processes against an embedded PostgreSQL and
 * Kafka broker, printed as Markdown tables: {@link dev.anneal.bench.server.JobThroughputBench}
 * (jobs per minute and the overhead per job beside its training steps, {@code bench/jobs-bench.sh})
 * and {@link dev.anneal.bench.server.FeedbackIngestionBench} (feedback records/s end to end beside
 * a bare Kafka consumer, {@code bench/feedback-bench.sh}); {@link
 * dev.anneal.bench.server.GenerateChatJsonl} writes the dataset of {@code bench/upload-bench.sh}.
 * The server processes are started by {@code ServerProcess} from the server's test-jar, the same
 * launcher its process-level integration tests use. None of them runs during the build.
 */
package dev.anneal.bench.server;
