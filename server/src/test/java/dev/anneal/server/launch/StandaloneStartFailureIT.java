package dev.anneal.server.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A standalone start that fails before the application runs (here: the broker's controller port is
 * taken) ends with a non-zero exit code and its error, after what the platform logged at INFO and
 * above (the libraries: WARN). Quarkus holds every record back, DEBUG and TRACE included, until its
 * logging is configured; a start that failed before that used to print all of them (about 600
 * lines) ahead of the error.
 */
class StandaloneStartFailureIT {

    @TempDir Path dataDir;

    @Test
    void shouldExitWithItsErrorAndNoDebugOutputWhenAPortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ServerProcess server =
                        ServerProcess.start(
                                dataDir,
                                "256m",
                                Map.of(
                                        "ANNEAL_KAFKA_CONTROLLER_PORT",
                                        String.valueOf(taken.getLocalPort())))) {
            int exitCode = server.awaitExit(Duration.ofMinutes(2));
            String output = server.output();

            assertThat(exitCode).as(output).isNotZero();
            assertThat(output)
                    .contains("Port " + taken.getLocalPort() + " on 127.0.0.1 is in use")
                    .doesNotContain("DelayedHandler was closed");
            assertThat(output.lines().filter(line -> line.matches(".*\\s(DEBUG|TRACE)\\s+\\[.*")))
                    .as("DEBUG and TRACE lines in:%n%s", output)
                    .isEmpty();
        }
    }
}
