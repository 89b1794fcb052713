package dev.anneal.tuner.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkFoldersTest {

    @TempDir Path root;

    @Test
    void shouldCreateOwnerOnlyFoldersAndFiles() throws IOException {
        Path folder = WorkFolders.create(root.resolve("work"), "ftjob-1-1");
        Path plaintext = WorkFolders.privateFile(folder.resolve("train.jsonl"));

        assertThat(
                        PosixFilePermissions.toString(
                                Files.getPosixFilePermissions(root.resolve("work"))))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(folder)))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(plaintext)))
                .isEqualTo("rw-------");
        assertThatThrownBy(() -> WorkFolders.create(root.resolve("work"), "ftjob-1-1"))
                .isInstanceOf(FileAlreadyExistsException.class);
    }

    @Test
    void shouldSweepFoldersOfDeadProcessesOfThisHostOnly() throws Exception {
        Path mine = WorkFolders.create(root, "ftjob-live-1");
        Path dead = folderOf("ftjob-dead-1", WorkFolders.host() + " " + deadPid());
        Path unmarked = Files.createDirectory(root.resolve("ftjob-old-1"));
        Files.writeString(dead.resolve("train.jsonl"), "{\"secret\": true}");
        Path otherHost = folderOf("ftjob-remote-1", "some-other-host " + deadPid());

        int swept = WorkFolders.sweep(root);

        assertThat(swept).isEqualTo(2);
        assertThat(dead).doesNotExist();
        assertThat(unmarked).doesNotExist();
        assertThat(mine).isDirectory();
        assertThat(otherHost).isDirectory();
    }

    private Path folderOf(String name, String mark) throws IOException {
        Path folder = Files.createDirectory(root.resolve(name));
        Files.writeString(folder.resolve(".owner"), mark);
        return folder;
    }

    /** The pid of a process that has ended. */
    private static long deadPid() throws Exception {
        Process process = new ProcessBuilder("true").start();
        process.waitFor();
        return process.pid();
    }
}
