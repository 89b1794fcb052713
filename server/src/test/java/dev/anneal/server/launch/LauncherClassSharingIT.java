package dev.anneal.server.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./anneal start} records the class data sharing archive beside the build on a build's first
 * start, keeps it only when that start got through its start-up, and uses it from then on. The JVM
 * writes the archive at any exit: one written by a start that failed early (a port in use) holds a
 * fraction of the classes, and every later start would use it.
 */
class LauncherClassSharingIT {

    @TempDir Path temp;

    @Test
    void shouldRecordTheArchiveAgainAfterAStartThatFailedEarlyThenKeepIt() throws Exception {
        List<String> start = List.of(LauncherLayout.under(temp).toString(), "start");
        Path app = LauncherLayout.app(temp);
        Path data = temp.resolve("data");
        Map<String, String> env = new HashMap<>();
        env.put("ANNEAL_JAVA_OPTS", "-Xmx512m");
        env.put("PATH", LauncherLayout.javaFirstOnPath());

        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Map<String, String> portTaken = new HashMap<>(env);
            portTaken.put("ANNEAL_KAFKA_CONTROLLER_PORT", String.valueOf(taken.getLocalPort()));
            try (ServerProcess failed = ServerProcess.start(start, data, portTaken)) {
                assertThat(failed.awaitExit(Duration.ofMinutes(2))).as(failed.output()).isNotZero();
            }
        }
        Path archive = onlyArchive(app);
        assertThat(marked(archive)).as("a start that failed marks nothing").isFalse();

        try (ServerProcess server = ServerProcess.start(start, data, env)) {
            server.awaitReady(Duration.ofMinutes(2));
            assertThat(server.output())
                    .contains(
                            archive.getFileName()
                                    + " was recorded by a start that did not complete; recording"
                                    + " it again");
            assertThat(marked(archive)).isTrue();
            server.stop("TERM");
        }
        assertThat(onlyArchive(app)).isEqualTo(archive);
        FileTime recorded = Files.getLastModifiedTime(archive);

        try (ServerProcess server = ServerProcess.start(start, data, env)) {
            server.awaitReady(Duration.ofMinutes(2));
            assertThat(server.output()).doesNotContain("recording it again");
            server.stop("TERM");
        }
        assertThat(onlyArchive(app)).as("used, not recorded again").isEqualTo(archive);
        assertThat(Files.getLastModifiedTime(archive)).isEqualTo(recorded);
    }

    /** The one archive in the build's folder (the launcher names it after the build and JDK). */
    private static Path onlyArchive(Path app) throws IOException {
        try (Stream<Path> files = Files.list(app)) {
            List<Path> archives =
                    files.filter(f -> f.getFileName().toString().matches("anneal-\\d+\\.(jsa|aot)"))
                            .toList();
            assertThat(archives).hasSize(1);
            return archives.get(0);
        }
    }

    private static boolean marked(Path archive) {
        return Files.exists(archive.resolveSibling(archive.getFileName() + ".started"));
    }
}
