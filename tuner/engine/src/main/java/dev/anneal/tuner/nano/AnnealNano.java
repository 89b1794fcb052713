package dev.anneal.tuner.nano;

import dev.anneal.tuner.model.LlamaConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * {@code anneal-nano}, the toy base model built into the platform: a LLaMA-architecture decoder of
 * 215,232 parameters (hidden size 64, 4 layers, 4 query and 2 key/value heads, SwiGLU width 172,
 * 512 positions) with a byte-level tokenizer (token i is byte i, then {@code <s>}, {@code </s>},
 * {@code <pad>}, {@code <|im_start|>}, {@code <|im_end|>}) and a ChatML chat template.
 *
 * <p><b>It is a toy.</b> Its weights are random, drawn from a fixed seed, so it produces noise
 * until it is fine-tuned, and it is too small to be good at anything even then. Its purpose is to
 * let a fresh install try the platform end to end (upload data, fine-tune, generate) with nothing
 * downloaded.
 *
 * <p>{@link #materialize} writes it as an ordinary Hugging Face model folder on first use; the
 * engine then loads it like any other model. The files are the same bytes on every machine.
 */
public final class AnnealNano {

    /** The model's identity, also the name of its folder in the models cache. */
    public static final String ID = "anneal-nano";

    /** One line for model listings. */
    public static final String DESCRIPTION =
            "Toy LLaMA-architecture model (215K parameters, byte-level tokenizer) with random"
                    + " weights, built in so that a fresh install can fine-tune with nothing"
                    + " downloaded; it produces noise until fine-tuned.";

    /** Creators take this lock, in the models cache, one at a time across processes. */
    private static final String LOCK_FILE = "." + ID + ".lock";

    /** Folders being written, or set aside to delete; any found by a lock holder is a leftover. */
    private static final String SCRATCH_PREFIX = "." + ID + ".tmp-";

    /** A JVM cannot take the same file lock twice, so its threads queue here first. */
    private static final Object JVM_LOCK = new Object();

    private AnnealNano() {}

    /** The model's configuration, the {@code config.json} of its folder. */
    public static LlamaConfig config() {
        return Config.PARSED;
    }

    /** Parsed once, on first use. */
    private static final class Config {
        static final LlamaConfig PARSED = parse();

        private static LlamaConfig parse() {
            try {
                return LlamaConfig.parse(
                        new String(NanoFiles.configJson(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("The built-in config.json does not parse", e);
            }
        }
    }

    /**
     * Returns the folder of {@code anneal-nano} in a models cache, creating it if needed.
     *
     * <p>A folder already there is reused when every file holds the expected bytes; otherwise
     * (missing, incomplete, corrupted) it is written again. Creation is serialised by a lock file,
     * {@code .anneal-nano.lock}, across threads and processes. The files are written into a scratch
     * sibling folder which is then renamed, so the final folder never holds part of the files;
     * scratch folders a crash left behind are deleted by the next creation. No fsync is needed:
     * after a power loss the content check finds a torn folder and writes it again.
     *
     * <p>Thread-safe; callers in several processes may share a cache. The returned folder must be
     * treated as read-only.
     *
     * @param modelsCacheDir the models cache, created if missing
     * @return {@code modelsCacheDir/anneal-nano}, a complete Hugging Face model folder
     * @throws IOException if the folder cannot be read or written
     */
    public static Path materialize(Path modelsCacheDir) throws IOException {
        Map<String, byte[]> files = NanoFiles.contents();
        Path target = modelsCacheDir.resolve(ID);
        if (holds(target, files)) {
            return target;
        }
        Files.createDirectories(modelsCacheDir);
        synchronized (JVM_LOCK) {
            try (FileChannel channel =
                            FileChannel.open(
                                    modelsCacheDir.resolve(LOCK_FILE),
                                    StandardOpenOption.CREATE,
                                    StandardOpenOption.WRITE);
                    FileLock lock = channel.lock()) {
                if (!holds(target, files)) {
                    create(modelsCacheDir, target, files);
                }
            }
        }
        return target;
    }

    /** Writes the folder; the caller holds the lock. */
    private static void create(Path cacheDir, Path target, Map<String, byte[]> files)
            throws IOException {
        for (Path leftover : scratchFolders(cacheDir)) {
            deleteTree(leftover);
        }
        Path staging = newScratchFolder(cacheDir);
        try {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Files.write(staging.resolve(file.getKey()), file.getValue());
            }
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                // A folder cannot be renamed over a non-empty one: move the bad one aside first.
                Path stale = newScratchFolder(cacheDir);
                Files.move(target, stale.resolve(ID), StandardCopyOption.ATOMIC_MOVE);
                deleteTree(stale);
            }
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            if (Files.exists(staging, LinkOption.NOFOLLOW_LINKS)) {
                deleteTree(staging);
            }
        }
    }

    /**
     * Whether a folder holds every file with exactly the expected bytes. A file that vanishes while
     * being checked (another process replacing a bad folder) counts as not there.
     */
    private static boolean holds(Path folder, Map<String, byte[]> files) throws IOException {
        try {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Path path = folder.resolve(file.getKey());
                if (!Files.isRegularFile(path)
                        || Files.size(path) != file.getValue().length
                        || !Arrays.equals(Files.readAllBytes(path), file.getValue())) {
                    return false;
                }
            }
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** A new scratch folder, with the default permissions (a temporary directory's are 700). */
    private static Path newScratchFolder(Path cacheDir) throws IOException {
        return Files.createDirectory(cacheDir.resolve(SCRATCH_PREFIX + UUID.randomUUID()));
    }

    private static List<Path> scratchFolders(Path cacheDir) throws IOException {
        try (Stream<Path> entries = Files.list(cacheDir)) {
            return entries.filter(p -> p.getFileName().toString().startsWith(SCRATCH_PREFIX))
                    .toList();
        }
    }

    /** Deletes a file or folder tree, without following links. */
    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
