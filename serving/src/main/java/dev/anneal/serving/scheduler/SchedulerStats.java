package dev.anneal.serving.scheduler;

/**
 * A snapshot of one scheduler.
 *
 * @param running sequences being generated
 * @param waiting sequences waiting for room in the KV cache
 * @param kvCacheTokensInUse KV-cache tokens reserved by the running sequences
 */
public record SchedulerStats(int running, int waiting, int kvCacheTokensInUse) {}
