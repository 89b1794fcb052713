package dev.anneal.api.usage;

import dev.anneal.store.quota.Quota;
import dev.anneal.store.quota.Quotas;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * The per-key request rate limit of this process: a token bucket per API key holding one second's
 * worth of its tenant's {@code requests_per_second} quota, refilled continuously. Buckets are found
 * by the key's digest, so that a key whose bucket is empty is refused before its key is even looked
 * up ({@link #refusing}): a flood from one valid key costs no database query. Only valid keys get a
 * bucket (wrong keys are refused before), so there are as many buckets as keys in use.
 */
@ApplicationScoped
public class RequestRates {

    private final ToLongFunction<String> limitOfTenant;
    private final LongSupplier nanoClock;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    @Inject
    RequestRates(Quotas quotas) {
        this(t -> quotas.limitsOf(t).of(Quota.REQUESTS_PER_SECOND), System::nanoTime);
    }

    RequestRates(ToLongFunction<String> limitOfTenant, LongSupplier nanoClock) {
        this.limitOfTenant = limitOfTenant;
        this.nanoClock = nanoClock;
    }

    /**
     * The refusal of a request whose key's bucket is empty now, or null when it may be looked up
     * (no bucket yet, or a request's worth in it); takes nothing.
     */
    public Decision refusing(String keyDigest) {
        Bucket bucket = buckets.get(keyDigest);
        if (bucket == null) {
            return null;
        }
        Decision peek = bucket.peek(nanoClock.getAsLong());
        return peek.allowed() ? null : peek;
    }

    /**
     * Takes one request from the key's bucket.
     *
     * @param keyId the API key's digest
     * @param tenantId its tenant, whose quota sets the rate
     * @return whether the request may go on, and what the headers say
     */
    public Decision take(String keyDigest, String tenantId) {
        long limit = limitOfTenant.applyAsLong(tenantId);
        return buckets.computeIfAbsent(keyDigest, id -> new Bucket(limit, nanoClock.getAsLong()))
                .take(limit, nanoClock.getAsLong());
    }

    /**
     * What one request learned of its key's bucket.
     *
     * @param allowed whether it may go on
     * @param limit requests per second
     * @param remaining whole requests left in the bucket
     * @param resetMillis until the bucket is full again
     * @param retryAfterMillis until the next request may go on (0 when allowed)
     */
    public record Decision(
            boolean allowed, long limit, long remaining, long resetMillis, long retryAfterMillis) {}

    private static final class Bucket {

        private double tokens;
        private long at;
        private long limit;

        Bucket(long limit, long now) {
            this.limit = limit;
            this.tokens = limit;
            this.at = now;
        }

        synchronized Decision take(long limit, long now) {
            this.limit = limit;
            refill(now);
            boolean allowed = tokens >= 1;
            if (allowed) {
                tokens -= 1;
            }
            return decision(allowed);
        }

        synchronized Decision peek(long now) {
            refill(now);
            return decision(tokens >= 1);
        }

        private void refill(long now) {
            tokens = Math.min(limit, tokens + (now - at) * (limit / 1e9));
            at = now;
        }

        private Decision decision(boolean allowed) {
            double perNano = limit / 1e9;
            long resetMillis = (long) Math.ceil((limit - tokens) / perNano / 1e6);
            long retryAfterMillis = allowed ? 0 : (long) Math.ceil((1 - tokens) / perNano / 1e6);
            return new Decision(allowed, limit, (long) tokens, resetMillis, retryAfterMillis);
        }
    }
}
