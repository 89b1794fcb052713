package dev.anneal.server.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping the packaged platform in standalone mode (ADR 0015): SIGTERM or Ctrl-C (SIGINT) ends an
 * idle platform within five seconds with exit code 0, PostgreSQL and Kafka shut down cleanly, and
 * none of its processes is left running.
 *
 * <p>The PostgreSQL processes are found by their working directory, the data directory, since
 * {@code pg_ctl} detaches the postmaster: it is not a descendant of the server's JVM. Linux only
 * ({@code kill}, {@code /proc}).
 */
class StandaloneShutdownIT {

    private static final Duration STOP_LIMIT = Duration.ofSeconds(5);
    private static final Duration READY_LIMIT = Duration.ofSeconds(120);
    private static final long SIGINT_MASK = 1L << (2 - 1);

    @TempDir Path dataDir;

    @Test
    void shouldStopWithinFiveSecondsWhenSignalledWhileIdle() throws Exception {
        assertStopsPromptlyAndCleanly("TERM");
    }

    @Test
    void shouldStopWithinFiveSecondsWhenInterruptedWhileIdle() throws Exception {
        assertStopsPromptlyAndCleanly("INT");
    }

    private void assertStopsPromptlyAndCleanly(String signal) throws Exception {
        Set<Long> childrenBefore = childPids();
        try (ServerProcess server = ServerProcess.start(dataDir, "512m", Map.of())) {
            ProcessHandle jvm = startedChild(childrenBefore);
            server.awaitReady(READY_LIMIT);
            if (signal.equals("INT")) {
                // a process started in the background by a shell without job control inherits
                // SIGINT ignored, and rightly keeps ignoring it
                assumeThat(ignoresSigint(jvm)).as("the server ignores SIGINT").isFalse();
            }
            List<ProcessHandle> processes = new ArrayList<>(jvm.descendants().toList());
            List<ProcessHandle> postgres = runningIn(dataDir.resolve("postgres"));
            assertThat(postgres).as("PostgreSQL processes before the stop").isNotEmpty();
            processes.addAll(postgres);

            long signalledAt = System.nanoTime();
            int exitCode = server.stop(signal);
            Duration exited = Duration.ofNanos(System.nanoTime() - signalledAt);
            List<Long> left = awaitEnd(processes, signalledAt + STOP_LIMIT.toNanos());
            Duration allEnded = Duration.ofNanos(System.nanoTime() - signalledAt);
            System.out.printf(
                    "SIG%s: server exited after %d ms, its processes had ended after %d ms%n",
                    signal, exited.toMillis(), allEnded.toMillis());

            assertThat(exited)
                    .as("time to exit, output:%n%s", server.output())
                    .isLessThan(STOP_LIMIT);
            assertThat(exitCode).as("exit code").isZero();
            assertThat(left)
                    .as("processes still running %s after the signal", STOP_LIMIT)
                    .isEmpty();
            // pg_ctl's fast shutdown removes postmaster.pid last; Kafka marks a clean shutdown
            assertThat(dataDir.resolve("postgres").resolve("postmaster.pid")).doesNotExist();
            assertThat(dataDir.resolve("kafka").resolve(".kafka_cleanshutdown")).exists();
        }
    }

    private static Set<Long> childPids() {
        try (Stream<ProcessHandle> children = ProcessHandle.current().children()) {
            return children.map(ProcessHandle::pid).collect(Collectors.toSet());
        }
    }

    /** The server's JVM: the one child of this JVM that was not there before it started. */
    private static ProcessHandle startedChild(Set<Long> childrenBefore) {
        try (Stream<ProcessHandle> children = ProcessHandle.current().children()) {
            List<ProcessHandle> started =
                    children.filter(child -> !childrenBefore.contains(child.pid())).toList();
            assertThat(started).as("processes started by ServerProcess").hasSize(1);
            return started.get(0);
        }
    }

    /** Processes whose working directory is {@code dir}: every PostgreSQL process on it. */
    private static List<ProcessHandle> runningIn(Path dir) throws IOException {
        Path realDir = dir.toRealPath();
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            return all.filter(process -> workingDirectory(process).equals(Optional.of(realDir)))
                    .toList();
        }
    }

    private static Optional<Path> workingDirectory(ProcessHandle process) {
        try {
            return Optional.of(Path.of("/proc", Long.toString(process.pid()), "cwd").toRealPath());
        } catch (IOException | SecurityException gone) {
            return Optional.empty();
        }
    }

    /** Waits until none of {@code processes} runs or the deadline passes; returns those left. */
    private static List<Long> awaitEnd(List<ProcessHandle> processes, long deadlineNanos)
            throws InterruptedException {
        while (true) {
            List<Long> left =
                    processes.stream()
                            .filter(StandaloneShutdownIT::isRunning)
                            .map(ProcessHandle::pid)
                            .toList();
            if (left.isEmpty() || System.nanoTime() - deadlineNanos >= 0) {
                return left;
            }
            Thread.sleep(20);
        }
    }

    /**
     * Alive and not a zombie: a detached postmaster that exited stays a zombie until the init
     * process reaps it, holding nothing meanwhile.
     */
    private static boolean isRunning(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            // pid (command) state ...: the command may itself hold spaces and parentheses
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (NoSuchFileException gone) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static boolean ignoresSigint(ProcessHandle process) throws IOException {
        String ignored =
                Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))
                        .stream()
                        .filter(line -> line.startsWith("SigIgn:"))
                        .map(line -> line.substring("SigIgn:".length()).strip())
                        .findFirst()
                        .orElse("0");
        return (Long.parseUnsignedLong(ignored, 16) & SIGINT_MASK) != 0;
    }
}
