package dev.anneal.tuner.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The private folders where jobs hold their plaintext (decrypted training data, merged weights,
 * checkpoints being resumed) while they run: owner-only ({@code 0700}), each marked with the host
 * and process that made it, so that a process starting on the same host deletes the folders of
 * processes that died without cleaning up (killed, crashed, out of memory) and leaves those of
 * processes still running.
 */
final class WorkFolders {

    private static final Logger LOG = Logger.getLogger(WorkFolders.class);
    private static final String OWNER_FILE = ".owner";
    private static final Set<PosixFilePermission> OWNER_ONLY =
            PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_READ_WRITE =
            PosixFilePermissions.fromString("rw-------");

    private WorkFolders() {}

    /**
     * Creates a job's folder, owner-only, under {@code root} (created owner-only if missing).
     *
     * @throws IOException if it exists already or cannot be made
     */
    static Path create(Path root, String name) throws IOException {
        if (!Files.isDirectory(root)) {
            Files.createDirectories(root, ownerOnly());
        }
        Path folder = Files.createDirectory(root.resolve(name), ownerOnly());
        Files.writeString(privateFile(folder.resolve(OWNER_FILE)), host() + " " + pid());
        return folder;
    }

    /**
     * Creates an empty file only its owner may read and write, for plaintext.
     *
     * @return {@code file}
     */
    static Path privateFile(Path file) throws IOException {
        return Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE));
    }

    /**
     * Deletes the folders under {@code root} left by dead processes of this host, and those without
     * a mark (left by a version that did not mark them).
     *
     * @return how many were deleted
     */
    static int sweep(Path root) {
        if (!Files.isDirectory(root)) {
            return 0;
        }
        List<Path> folders;
        try (Stream<Path> children = Files.list(root)) {
            folders = children.filter(Files::isDirectory).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not list the work folder " + root, e);
        }
        int deleted = 0;
        for (Path folder : folders) {
            if (leftBehind(folder)) {
                deleteTree(folder);
                deleted++;
            }
        }
        if (deleted > 0) {
            LOG.warnf(
                    "Deleted %d work folder(s) under %s left by processes that ended without"
                            + " cleaning up",
                    deleted, root);
        }
        return deleted;
    }

    /**
     * Deletes the folders of {@code jobIds} under {@code root} (every attempt's), as when their
     * tenant is erased; a job still running then fails on its next file access, if its lease has
     * not ended it first.
     *
     * @return how many were deleted
     */
    static int deleteJobFolders(Path root, Collection<String> jobIds) {
        if (!Files.isDirectory(root) || jobIds.isEmpty()) {
            return 0;
        }
        List<Path> folders;
        try (Stream<Path> children = Files.list(root)) {
            folders =
                    children.filter(
                                    f -> {
                                        String name = f.getFileName().toString();
                                        int dash = name.lastIndexOf('-');
                                        return dash > 0 && jobIds.contains(name.substring(0, dash));
                                    })
                            .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not list the work folder " + root, e);
        }
        folders.forEach(WorkFolders::deleteTree);
        return folders.size();
    }

    private static boolean leftBehind(Path folder) {
        Path owner = folder.resolve(OWNER_FILE);
        if (!Files.isRegularFile(owner)) {
            return true;
        }
        String[] mark;
        try {
            mark = Files.readString(owner, StandardCharsets.UTF_8).trim().split(" ");
        } catch (IOException e) {
            return false;
        }
        if (mark.length != 2 || !mark[0].equals(host())) {
            return false; // another host's: its own processes sweep it
        }
        try {
            long pid = Long.parseLong(mark[1]);
            return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
        } catch (NumberFormatException e) {
            return true;
        }
    }

    /** Deletes a folder and everything in it; nothing if it does not exist. */
    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not delete the work folder " + root, e);
        }
    }

    private static FileAttribute<Set<PosixFilePermission>> ownerOnly() {
        return PosixFilePermissions.asFileAttribute(OWNER_ONLY);
    }

    static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown";
        }
    }

    private static long pid() {
        return ProcessHandle.current().pid();
    }
}
