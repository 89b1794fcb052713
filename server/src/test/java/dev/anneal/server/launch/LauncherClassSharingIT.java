package dev.anneal.server.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./anneal start} records the class data sharing archive on a build's first start and keeps
 * it only when that start got through its start-up. The JVM writes the archive at any exit: one
 * written by a start that failed early (a port in use) holds a fraction of the classes, and every
 * later start would use it.
 */
class LauncherClassSharingIT {

    @TempDir Path temp;

    @Test
    void shouldRecordTheArchiveAgainAfterAStartThatFailedEarly() throws Exception {
        List<String> start = List.of(LauncherLayout.under(temp).toString(), "start");
        Path archive = temp.resolve("classes.archive");
        Path mark = temp.resolve("classes.archive.started");
        Map<String, String> env = new HashMap<>();
        env.put("ANNEAL_CDS_ARCHIVE", archive.toString());
        env.put("ANNEAL_JAVA_OPTS", "-Xmx512m");
        env.put("PATH", LauncherLayout.javaFirstOnPath());

        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Map<String, String> portTaken = new HashMap<>(env);
            portTaken.put("ANNEAL_KAFKA_CONTROLLER_PORT", String.valueOf(taken.getLocalPort()));
            try (ServerProcess failed =
                    ServerProcess.start(start, temp.resolve("data"), portTaken)) {
                assertThat(failed.awaitExit(Duration.ofMinutes(2))).as(failed.output()).isNotZero();
            }
        }
        assertThat(archive).as("written by the JVM at its exit all the same").exists();
        assertThat(mark).doesNotExist();

        try (ServerProcess server = ServerProcess.start(start, temp.resolve("data"), env)) {
            server.awaitReady(Duration.ofMinutes(2));
            assertThat(server.output())
                    .contains(
                            archive
                                    + " was recorded by a start that did not complete; recording"
                                    + " it again");
            assertThat(mark).exists();
            server.stop("TERM");
        }
        assertThat(archive).exists();
    }
}
