package dev.anneal.store.blob;

import dev.anneal.store.crypto.DataKey;
import dev.anneal.store.crypto.PrivateFiles;
import dev.anneal.store.crypto.SegmentedAesGcm;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A {@link BlobStore} on a local or mounted file system. Layout:
 *
 * <pre>
 * &lt;root&gt;/&lt;tenantId&gt;/&lt;name&gt;              a committed blob
 * &lt;root&gt;/&lt;tenantId&gt;/.pending-&lt;random&gt;     a blob being written
 * </pre>
 *
 * Files are created {@code rw-------} and directories {@code rwx------}, and hold only ciphertext
 * in the {@link SegmentedAesGcm} format with the blob id {@link BlobKey#blobId()}.
 *
 * <p>A commit forces the data to disk and then links the pending file to its final name, which is
 * atomic and never replaces an existing blob, so a reader sees either no blob or a whole one, also
 * after a crash. A crash while writing leaves a pending file behind; {@link
 * #sweepPending(Duration)} removes those.
 *
 * <p>Ciphertext bypasses the page cache where the file system allows it ({@link DirectWrites}).
 *
 * <p>Thread-safe: it holds no mutable state; the file system arbitrates.
 */
public final class LocalBlobStore implements BlobStore {

    static final String PENDING_PREFIX = ".pending-";

    private final Path root;
    private final boolean bypassCache;

    /**
     * A store under {@code root}. Touches nothing yet: {@code root} and tenant folders are created
     * ({@code rwx------}) by the first write that needs them.
     */
    public LocalBlobStore(Path root) {
        this(root, true);
    }

    /**
     * A store whose writes bypass the page cache where the file system allows it ({@code
     * bypassCache}, {@link DirectWrites}), or always go through it.
     */
    LocalBlobStore(Path root, boolean bypassCache) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        this.bypassCache = bypassCache;
    }

    @Override
    public PendingBlob create(BlobKey key, DataKey dataKey) throws IOException {
        Objects.requireNonNull(dataKey, "dataKey");
        Path tenantDir = tenantDir(key.tenantId());
        PrivateFiles.createDirectories(tenantDir);
        Path pending = tenantDir.resolve(PENDING_PREFIX + UUID.randomUUID());
        return new LocalPendingBlob(pending, file(key), key, dataKey, bypassCache);
    }

    @Override
    public InputStream open(BlobKey key, DataKey dataKey) throws IOException {
        Objects.requireNonNull(dataKey, "dataKey");
        InputStream ciphertext;
        try {
            ciphertext = Files.newInputStream(file(key));
        } catch (NoSuchFileException e) {
            throw new NoSuchBlobException(key);
        }
        return SegmentedAesGcm.decrypt(dataKey, key.blobId(), ciphertext);
    }

    @Override
    public boolean exists(BlobKey key) {
        return Files.isRegularFile(file(key), LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public boolean delete(BlobKey key) throws IOException {
        return Files.deleteIfExists(file(key));
    }

    @Override
    public void deleteTenant(String tenantId) throws IOException {
        Path dir = tenantDir(BlobKey.requireSafe("tenantId", tenantId));
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(
                dir,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                            throws IOException {
                        Files.deleteIfExists(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path d, IOException e)
                            throws IOException {
                        if (e != null) {
                            throw e;
                        }
                        Files.deleteIfExists(d);
                        return FileVisitResult.CONTINUE;
                    }
                });
    }

    @Override
    public List<BlobKey> committedBefore(Instant before) throws IOException {
        List<BlobKey> found = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return found;
        }
        try (DirectoryStream<Path> tenants = Files.newDirectoryStream(root)) {
            for (Path tenantDir : tenants) {
                if (!Files.isDirectory(tenantDir, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try (DirectoryStream<Path> blobs = Files.newDirectoryStream(tenantDir)) {
                    for (Path blob : blobs) {
                        String name = blob.getFileName().toString();
                        if (!name.startsWith(PENDING_PREFIX)
                                && Files.isRegularFile(blob, LinkOption.NOFOLLOW_LINKS)
                                && Files.getLastModifiedTime(blob).toInstant().isBefore(before)) {
                            found.add(new BlobKey(tenantDir.getFileName().toString(), name));
                        }
                    }
                }
            }
        }
        return found;
    }

    /**
     * Deletes pending files, left by writers that crashed, last modified more than {@code
     * olderThan} ago. Choose an age well beyond the slowest upload: a live writer whose file is
     * swept fails at commit.
     *
     * @return how many files were deleted
     */
    @Override
    public int sweepPending(Duration olderThan) throws IOException {
        Instant cutoff = Instant.now().minus(olderThan);
        int deleted = 0;
        if (!Files.isDirectory(root)) {
            return 0;
        }
        try (DirectoryStream<Path> tenants = Files.newDirectoryStream(root)) {
            for (Path tenantDir : tenants) {
                if (Files.isDirectory(tenantDir, LinkOption.NOFOLLOW_LINKS)) {
                    deleted += sweepTenant(tenantDir, cutoff);
                }
            }
        }
        return deleted;
    }

    private static int sweepTenant(Path tenantDir, Instant cutoff) throws IOException {
        int deleted = 0;
        try (DirectoryStream<Path> pending =
                Files.newDirectoryStream(tenantDir, PENDING_PREFIX + "*")) {
            for (Path file : pending) {
                try {
                    if (Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS)
                                    .toInstant()
                                    .isBefore(cutoff)
                            && Files.deleteIfExists(file)) {
                        deleted++;
                    }
                } catch (NoSuchFileException e) {
                    // Committed or discarded while we looked.
                }
            }
        } catch (NoSuchFileException e) {
            // The tenant was deleted while we looked.
        }
        return deleted;
    }

    private Path tenantDir(String tenantId) {
        return root.resolve(tenantId);
    }

    private Path file(BlobKey key) {
        return root.resolve(key.tenantId()).resolve(key.name());
    }

    @Override
    public String toString() {
        return "LocalBlobStore[" + root + "]";
    }
}
