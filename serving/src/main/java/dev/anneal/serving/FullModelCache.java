package dev.anneal.serving;

import ai.djl.ndarray.NDManager;
import dev.anneal.tuner.generate.GenerationConfig;
import dev.anneal.tuner.model.DjlRuntime;
import dev.anneal.tuner.serve.MultiAdapterModel;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The full fine-tunes kept in memory: each a model of its own, with its own scheduler and engine
 * thread, loaded from its archive in memory and keyed by tenant and blob, so that a deleted or
 * replaced model is never answered from memory. LoRA fine-tunes trained on a full fine-tune run as
 * adapters on its resident weights, as others do on a base model.
 *
 * <p>Bound: at most {@code ANNEAL_SERVE_MAX_FULL_MODELS}; loading one more evicts the least
 * recently used that is idle (no sequence running or waiting), closing its scheduler and freeing
 * its weights at once. A busy model is never evicted: when every resident one is busy for {@link
 * #ROOM_WAIT}, the request that needs another is refused as overloaded (429), to retry when one is
 * free. Evicting a busy one would either cut its requests short or hold its weights beyond the
 * bound, and a full model's weights are the size of a base model's.
 *
 * <p>Tokenizers are shared by content: a full fine-tune carries a copy of its base's tokenizer, so
 * there are about as many as base models; they stay until {@link #close}, so that a request that
 * encoded its prompt with one can still decode after its model was evicted.
 *
 * <p>Threading: every method holds the cache's lock; a load holds it too, so requests for other
 * full fine-tunes wait meanwhile (they are queued on their schedulers under it, which is quick).
 * Waiting for room releases it.
 */
final class FullModelCache implements AutoCloseable {

    private static final int RETRY_AFTER_SECONDS = 5;

    /** How long a request waits for a busy model to become idle before it is refused. */
    private static final Duration ROOM_WAIT = Duration.ofSeconds(1);

    private static final Duration ROOM_POLL = Duration.ofMillis(10);

    private final ModelStore store;
    private final ServingConfig config;
    private final NDManager parent;
    private final Consumer<MultiAdapterModel> onEvict;
    private final LinkedHashMap<String, ResidentModel> models =
            new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, TextTokenizer> tokenizers = new HashMap<>();
    private long loads;
    private long evictions;

    /**
     * Creates an empty cache.
     *
     * @param onEvict told of each evicted model's weights before they are freed, so that the
     *     adapters registered on them are forgotten
     */
    FullModelCache(
            ModelStore store,
            ServingConfig config,
            NDManager parent,
            Consumer<MultiAdapterModel> onEvict) {
        this.store = store;
        this.config = config;
        this.parent = parent;
        this.onEvict = onEvict;
    }

    /** The identity of a full fine-tune in memory: tenant and blob. */
    static String identity(ModelRef.Full full) {
        return full.tenantId() + "/" + full.blob();
    }

    /**
     * The resident full fine-tune, loading it from its archive if it is not.
     *
     * @throws ServingOverloadedException if the bound is reached and every resident one is busy
     * @throws IOException if its archive cannot be read or its weights loaded
     */
    synchronized ResidentModel get(ModelRef.Full full) throws IOException {
        String identity = identity(full);
        long deadline = System.nanoTime() + ROOM_WAIT.toNanos();
        while (true) {
            ResidentModel model = models.get(identity);
            if (model != null) {
                return model;
            }
            if (makeRoom()) {
                ResidentModel loaded = load(full, identity);
                models.put(identity, loaded);
                loads++;
                return loaded;
            }
            if (System.nanoTime() >= deadline) {
                throw overloaded(full);
            }
            try {
                // releases the lock: the busy ones' schedulers finish meanwhile, others submit
                wait(ROOM_POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("Interrupted waiting to load " + full.modelId());
            }
        }
    }

    /**
     * Runs an action on the full fine-tune (typically: queue a sequence on it, plain or with
     * adapters), loading it again if it was evicted since the request opened it; under the lock, so
     * that it cannot be evicted before the sequence counts.
     */
    synchronized <T> T onResident(ModelRef.Full full, ResidentAction<T> action) throws IOException {
        return action.apply(get(full));
    }

    /** Whether there is room for one more, evicting the least recently used idle one if not. */
    private boolean makeRoom() {
        if (models.size() < config.maxFullModels()) {
            return true;
        }
        for (Iterator<ResidentModel> it = models.values().iterator(); it.hasNext(); ) {
            ResidentModel candidate = it.next();
            if (candidate.idle()) {
                it.remove();
                evictions++;
                onEvict.accept(candidate.adapters());
                candidate.close();
                return true;
            }
        }
        return false;
    }

    private ServingOverloadedException overloaded(ModelRef.Full wanted) {
        return new ServingOverloadedException(
                "Every one of the "
                        + config.maxFullModels()
                        + " full fine-tunes in memory (ANNEAL_SERVE_MAX_FULL_MODELS) is answering"
                        + " requests; '"
                        + wanted.modelId()
                        + "' can load when one is free: retry after "
                        + RETRY_AFTER_SECONDS
                        + " s.",
                RETRY_AFTER_SECONDS);
    }

    private ResidentModel load(ModelRef.Full full, String identity) throws IOException {
        // on the request's thread: single-threaded, so that it owns no OpenMP team (ADR 0051)
        try (DjlRuntime.SingleThreaded loading = DjlRuntime.singleThreaded()) {
            return loadSingleThreaded(full, identity);
        }
    }

    private ResidentModel loadSingleThreaded(ModelRef.Full full, String identity)
            throws IOException {
        FullModelArchive archive;
        try (InputStream in = store.openArchive(full)) {
            archive = FullModelArchive.read(in, full.modelId());
        }
        TextTokenizer tokenizer = tokenizer(archive);
        // the archive's generation_config.json is a copy of its base's (MergedWeights)
        GenerationConfig defaults =
                GenerationConfig.defaultsFrom(store.baseModelFolder(full.baseModelId())).build();
        MultiAdapterModel model =
                MultiAdapterModel.load(
                        Path.of(full.modelId()),
                        parent,
                        (manager, projections) -> archive.loadModel(manager, projections));
        try {
            return ResidentModel.full(
                    identity,
                    model,
                    tokenizer,
                    defaults,
                    config.forModel(identity, model.baseModel().config()));
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** The archive's tokenizer, shared with every model whose tokenizer files are the same. */
    private TextTokenizer tokenizer(FullModelArchive archive) throws IOException {
        String json = archive.text("tokenizer.json");
        String tokenizerConfig = archive.text("tokenizer_config.json");
        String chatTemplate = archive.text("chat_template.jinja");
        String key = digest(json, tokenizerConfig, chatTemplate);
        TextTokenizer tokenizer = tokenizers.get(key);
        if (tokenizer == null) {
            tokenizer = TextTokenizer.read(archive.tokenizerJson(), tokenizerConfig, chatTemplate);
            tokenizers.put(key, tokenizer);
        }
        return tokenizer;
    }

    private static String digest(String... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                sha.update(part == null ? new byte[] {0} : part.getBytes(StandardCharsets.UTF_8));
                sha.update(new byte[] {1});
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How many full fine-tunes are resident, were loaded and were evicted. */
    synchronized ServingEngine.FullModelStats stats() {
        return new ServingEngine.FullModelStats(models.size(), loads, evictions);
    }

    /** Per resident full fine-tune, its scheduler; for stats. */
    synchronized Map<String, ResidentModel> resident() {
        return new LinkedHashMap<>(models);
    }

    @Override
    public synchronized void close() {
        models.values()
                .forEach(
                        model -> {
                            onEvict.accept(model.adapters());
                            model.close();
                        });
        models.clear();
        tokenizers.values().forEach(TextTokenizer::close);
        tokenizers.clear();
    }
}
