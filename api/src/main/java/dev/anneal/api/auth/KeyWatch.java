package dev.anneal.api.auth;

import dev.anneal.store.UnitOfWork;
import dev.anneal.store.apikey.ApiKeyRepository;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Ends what a key keeps open (event and completion streams, downloads) once the key stops working:
 * every {@value #CHECK_SECONDS} s one query asks which of the keys in use were revoked or expired,
 * and their watchers are told.
 */
@ApplicationScoped
public class KeyWatch {

    private static final Logger LOG = Logger.getLogger(KeyWatch.class);
    static final long CHECK_SECONDS = 2;

    private final ApiKeyRepository apiKeys;
    private final Map<String, Set<Watch>> byKey = new ConcurrentHashMap<>();
    private final ScheduledExecutorService checker =
            Executors.newSingleThreadScheduledExecutor(
                    r -> {
                        Thread thread = new Thread(r, "anneal-key-watch");
                        thread.setDaemon(true);
                        return thread;
                    });

    @Inject
    KeyWatch(ApiKeyRepository apiKeys) {
        this.apiKeys = apiKeys;
        checker.scheduleWithFixedDelay(this::check, CHECK_SECONDS, CHECK_SECONDS, TimeUnit.SECONDS);
    }

    @PreDestroy
    void stop() {
        checker.shutdownNow();
    }

    /**
     * Calls {@code onInvalid} (once, from the checker's thread) when {@code keyId} stops working;
     * close the watch when what it guards ends. A null key (the administrator's) is never ended.
     */
    public Watch watch(String keyId, Runnable onInvalid) {
        Watch watch = new Watch(keyId, onInvalid);
        if (keyId != null) {
            byKey.computeIfAbsent(keyId, k -> ConcurrentHashMap.newKeySet()).add(watch);
        }
        return watch;
    }

    private void check() {
        try {
            if (byKey.isEmpty()) {
                return;
            }
            Set<String> invalid =
                    UnitOfWork.call(() -> apiKeys.invalid(List.copyOf(byKey.keySet())));
            for (String keyId : invalid) {
                Set<Watch> watches = byKey.remove(keyId);
                if (watches != null) {
                    watches.forEach(Watch::invalidate);
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("Could not check the keys in use: %s", e.getMessage());
        }
    }

    /** One guarded response of one key. */
    public final class Watch implements AutoCloseable {

        private final String keyId;
        private final Runnable onInvalid;
        private volatile boolean invalid;

        private Watch(String keyId, Runnable onInvalid) {
            this.keyId = keyId;
            this.onInvalid = onInvalid;
        }

        /** Whether the key stopped working. */
        public boolean invalid() {
            return invalid;
        }

        private void invalidate() {
            invalid = true;
            onInvalid.run();
        }

        @Override
        public void close() {
            if (keyId != null) {
                byKey.computeIfPresent(
                        keyId,
                        (k, set) -> {
                            set.remove(this);
                            return set.isEmpty() ? null : set;
                        });
            }
        }
    }
}
