package dev.anneal.serving;

import dev.anneal.serving.scheduler.SchedulerLimits;
import dev.anneal.serving.scheduler.SchedulerStats;

/**
 * What the schedulers serving one base model hold now, summed over its own and those of its full
 * fine-tunes in memory: a snapshot, for gauges.
 *
 * @param running sequences being generated
 * @param waiting sequences waiting for room in the KV cache
 * @param kvCacheTokensReserved KV-cache tokens reserved by the running sequences
 * @param kvCacheTokensBudget the KV-cache budgets, in tokens
 */
public record BaseModelLoad(
        int running, int waiting, long kvCacheTokensReserved, long kvCacheTokensBudget) {

    /** Nothing resident. */
    public static final BaseModelLoad NONE = new BaseModelLoad(0, 0, 0, 0);

    /** One scheduler's load. */
    static BaseModelLoad of(SchedulerStats stats, SchedulerLimits limits) {
        return new BaseModelLoad(
                stats.running(),
                stats.waiting(),
                stats.kvCacheTokensInUse(),
                limits.kvCacheTokens());
    }

    /** The sum of two loads. */
    BaseModelLoad plus(BaseModelLoad other) {
        return new BaseModelLoad(
                running + other.running,
                waiting + other.waiting,
                kvCacheTokensReserved + other.kvCacheTokensReserved,
                kvCacheTokensBudget + other.kvCacheTokensBudget);
    }
}
