package dev.anneal.api.auth;

import dev.anneal.store.apikey.KeyDigest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Keeps a flood of wrong keys off the database: keys found unknown are remembered for a while (by
 * digest, a bounded cache), and each client address may fail authentication only so often (a token
 * bucket of {@code anneal.auth.failures-per-second}, bursts of {@value #BURST_SECONDS} seconds'
 * worth); beyond that it is answered 429 without a lookup. Requests with a valid key never count.
 *
 * <p>Keys are random and made by the server, so a key unknown now never becomes valid; a key that
 * is revoked stays unknown.
 */
@ApplicationScoped
public class FailedAuthentications {

    private static final int MAX_UNKNOWN_KEYS = 100_000;
    private static final int MAX_ADDRESSES = 10_000;
    private static final long UNKNOWN_FOR_NANOS = 10 * 60 * 1_000_000_000L;
    private static final int BURST_SECONDS = 5;

    private final double perSecond;
    private final LongSupplier clock;
    private final Map<String, Long> unknownUntil = lru(MAX_UNKNOWN_KEYS);
    private final Map<String, Bucket> byAddress = lru(MAX_ADDRESSES);

    @Inject
    FailedAuthentications(
            @ConfigProperty(name = "anneal.auth.failures-per-second", defaultValue = "10")
                    double perSecond) {
        this(perSecond, System::nanoTime);
    }

    /** With its own clock of nanoseconds, for tests. */
    FailedAuthentications(double perSecond, LongSupplier clock) {
        this.perSecond = perSecond;
        this.clock = clock;
    }

    /** Whether {@code secret} was found unknown lately, so that a lookup is not worth making. */
    synchronized boolean knownUnknown(String secret) {
        Long until = unknownUntil.get(digest(secret));
        return until != null && until - clock.getAsLong() > 0;
    }

    /** Whether the address may try another key now; false once it failed too often. */
    synchronized boolean mayTry(String address) {
        Bucket bucket = byAddress.get(address);
        return bucket == null || bucket.tokens(clock.getAsLong()) >= 1;
    }

    /** Counts a failed authentication: an unknown key, from an address. */
    synchronized void failed(String secret, String address) {
        long now = clock.getAsLong();
        if (secret != null) {
            unknownUntil.put(digest(secret), now + UNKNOWN_FOR_NANOS);
        }
        byAddress
                .computeIfAbsent(address, a -> new Bucket(perSecond * BURST_SECONDS, now))
                .take(now);
    }

    /** Seconds until the address may try again, at least 1. */
    synchronized long retryAfterSeconds(String address) {
        Bucket bucket = byAddress.get(address);
        if (bucket == null) {
            return 1;
        }
        double missing = 1 - bucket.tokens(clock.getAsLong());
        return Math.max(1, (long) Math.ceil(missing / perSecond));
    }

    private static String digest(String secret) {
        return HexFormat.of().formatHex(KeyDigest.of(secret));
    }

    private static <V> Map<String, V> lru(int capacity) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > capacity;
            }
        };
    }

    /** A token bucket refilled at {@code perSecond}, holding at most a burst. */
    private final class Bucket {

        private final double capacity;
        private double tokens;
        private long at;

        Bucket(double capacity, long now) {
            this.capacity = capacity;
            this.tokens = capacity;
            this.at = now;
        }

        double tokens(long now) {
            tokens = Math.min(capacity, tokens + (now - at) / 1e9 * perSecond);
            at = now;
            return tokens;
        }

        void take(long now) {
            tokens(now);
            tokens = Math.max(0, tokens - 1);
        }
    }
}
