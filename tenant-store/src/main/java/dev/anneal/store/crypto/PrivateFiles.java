package dev.anneal.store.crypto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Files and directories that only the operating-system user running Anneal can read, for key
 * material and ciphertext. Permissions are set at creation, so there is no moment at which another
 * user could open the file. On file systems without POSIX permissions the platform defaults apply.
 */
public final class PrivateFiles {

    private static final FileAttribute<?> OWNER_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final FileAttribute<?> OWNER_DIRECTORY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private PrivateFiles() {}

    /** Creates {@code dir} and any missing parents as {@code rwx------}; existing ones stay. */
    public static void createDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        if (isPosix(dir)) {
            Files.createDirectories(dir, OWNER_DIRECTORY);
        } else {
            Files.createDirectories(dir);
        }
    }

    /**
     * Creates {@code file}, which must not exist yet, as {@code rw-------} and opens it for
     * writing.
     *
     * @throws FileAlreadyExistsException if the file exists
     */
    public static FileChannel createNew(Path file) throws IOException {
        if (isPosix(file)) {
            return FileChannel.open(
                    file,
                    Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    OWNER_FILE);
        }
        return FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    /**
     * Gives the complete file {@code source} the name {@code target} in one atomic step that never
     * replaces an existing {@code target}, then makes the new name durable. Both paths must be in
     * the same directory. A hard link does this where {@code ATOMIC_MOVE} alone would silently
     * replace an existing target on POSIX; where links are not supported it falls back to {@code
     * ATOMIC_MOVE} after a check, which is then not race-free.
     *
     * @throws FileAlreadyExistsException if {@code target} exists; {@code source} is left
     */
    public static void publish(Path source, Path target) throws IOException {
        try {
            Files.createLink(target, source);
            Files.delete(source);
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (UnsupportedOperationException | FileSystemException e) {
            if (Files.exists(target)) {
                throw new FileAlreadyExistsException(target.toString());
            }
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        }
        syncDirectory(target.toAbsolutePath().getParent());
    }

    /**
     * Flushes a directory's entries to stable storage, so that a file just created or renamed in it
     * survives a crash. Best effort: some platforms cannot open a directory for sync.
     */
    public static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Not possible on this platform (e.g. Windows); the rename itself is still atomic.
        }
    }

    /**
     * The secret kept in {@code file}; when there is none yet, a new one from {@code generator},
     * written whole and owner-only before it gets its name. Two processes racing to create it end
     * up with the same secret.
     */
    public static String readOrCreateSecret(Path file, Supplier<String> generator)
            throws IOException {
        if (Files.exists(file)) {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        }
        Path dir = file.toAbsolutePath().getParent();
        createDirectories(dir);
        Path temp = dir.resolve("." + file.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            try (FileChannel channel = createNew(temp)) {
                ByteBuffer text =
                        ByteBuffer.wrap((generator.get() + "\n").getBytes(StandardCharsets.UTF_8));
                while (text.hasRemaining()) {
                    channel.write(text);
                }
                channel.force(true);
            }
            publish(temp, file);
        } catch (FileAlreadyExistsException raced) {
            // another process created it first: use its secret
        } finally {
            Files.deleteIfExists(temp);
        }
        return Files.readString(file, StandardCharsets.UTF_8).strip();
    }

    private static boolean isPosix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
