package dev.anneal.server.standalone;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Clears what a PostgreSQL of a killed process left in a data directory, so the next start works.
 *
 * <p>The postmaster runs detached from the JVM that started it: when that JVM is killed with {@code
 * -9}, PostgreSQL keeps running on the data directory, holding its port, and the next start fails.
 * When the postmaster itself was killed, its {@code postmaster.pid} stays behind; PostgreSQL
 * ignores such a file unless the recorded pid now belongs to another live process of the same user
 * (pids repeat after a container restarts), and then it refuses to start.
 *
 * <p>A leftover is a process running the {@code postgres} binary whose working directory is the
 * data directory (every PostgreSQL process changes into its data directory). Callers must hold the
 * data directory's lock first, which proves that the process that started them is gone. Linux only:
 * other systems have no {@code /proc} and nothing is found.
 */
final class LeftoverPostgres {

    private static final Logger LOG = Logger.getLogger(LeftoverPostgres.class);
    private static final String PID_FILE = "postmaster.pid";
    private static final long EXIT_POLL_MILLIS = 20;

    private LeftoverPostgres() {}

    /**
     * PostgreSQL processes, postmaster and children, whose working directory is {@code dataDir}.
     */
    static List<ProcessHandle> runningIn(Path dataDir) throws IOException {
        Path realDataDir = dataDir.toRealPath();
        try (var processes = ProcessHandle.allProcesses()) {
            return processes
                    .filter(LeftoverPostgres::runsPostgres)
                    .filter(process -> workingDirectoryIs(process, realDataDir))
                    .collect(Collectors.toList());
        }
    }

    /**
     * Stops leftover PostgreSQL processes in {@code dataDir} and removes a {@code postmaster.pid}
     * that no running server owns any more.
     *
     * <p>The postmaster gets SIGTERM (a smart shutdown, quick since the clients died with their
     * JVM) and {@code timeout} to finish; its children are left to it, since a child signalled
     * directly looks like a crash to the postmaster. Whatever still runs then gets SIGKILL, after
     * which the next start recovers from the write-ahead log.
     */
    static void clear(Path dataDir, Duration timeout) throws IOException {
        List<ProcessHandle> leftovers = runningIn(dataDir);
        if (!leftovers.isEmpty()) {
            LOG.warnf(
                    "Stopping PostgreSQL left running in %s by a previous process: pids %s",
                    dataDir, pids(leftovers));
            rootsOf(leftovers).forEach(ProcessHandle::destroy);
            if (!awaitExit(leftovers, timeout)) {
                leftovers.forEach(ProcessHandle::destroyForcibly);
                if (!awaitExit(leftovers, timeout)) {
                    throw new IllegalStateException(
                            "PostgreSQL processes "
                                    + pids(leftovers)
                                    + " in "
                                    + dataDir
                                    + " did not stop");
                }
            }
        }
        removeStalePidFile(dataDir);
    }

    private static void removeStalePidFile(Path dataDir) throws IOException {
        Path pidFile = dataDir.resolve(PID_FILE);
        List<String> lines;
        try {
            lines = Files.readAllLines(pidFile);
        } catch (NoSuchFileException e) {
            return;
        }
        // No PostgreSQL runs in dataDir any more, so whatever the file names is not its owner.
        LOG.warnf(
                "Removing stale %s of a PostgreSQL that did not shut down (pid %s)",
                pidFile, lines.isEmpty() ? "unknown" : lines.get(0));
        Files.deleteIfExists(pidFile);
    }

    /** The postmaster, or children whose postmaster is gone: those whose parent is no leftover. */
    private static List<ProcessHandle> rootsOf(List<ProcessHandle> leftovers) {
        List<Long> pids = pids(leftovers);
        return leftovers.stream()
                .filter(process -> process.parent().map(p -> !pids.contains(p.pid())).orElse(true))
                .collect(Collectors.toList());
    }

    private static boolean runsPostgres(ProcessHandle process) {
        return process.info().command().map(command -> command.endsWith("/postgres")).orElse(false);
    }

    private static boolean workingDirectoryIs(ProcessHandle process, Path realDataDir) {
        return workingDirectory(process).map(realDataDir::equals).orElse(false);
    }

    private static Optional<Path> workingDirectory(ProcessHandle process) {
        try {
            return Optional.of(Path.of("/proc", Long.toString(process.pid()), "cwd").toRealPath());
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    /**
     * Waits until all {@code processes} exited; returns false when some still run after it. Polls,
     * since {@link ProcessHandle#onExit()} notices the end of a process that is not our child only
     * after seconds.
     */
    static boolean awaitExit(List<ProcessHandle> processes, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (processes.stream().anyMatch(LeftoverPostgres::isRunning)) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            try {
                Thread.sleep(EXIT_POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code process} still runs. Unlike {@link ProcessHandle#isAlive()}, a zombie counts
     * as ended: it holds no port, memory or file any more, and a detached postmaster stays one
     * until the init process gets round to reaping it (about a second on some machines).
     */
    static boolean isRunning(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            // pid (command) state ...: the command may itself hold spaces and parentheses
            int afterCommand = stat.lastIndexOf(')') + 2;
            return afterCommand >= stat.length() || stat.charAt(afterCommand) != 'Z';
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static List<Long> pids(List<ProcessHandle> processes) {
        return processes.stream().map(ProcessHandle::pid).collect(Collectors.toList());
    }
}
