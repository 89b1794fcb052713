package dev.anneal.server.launch;

import io.quarkus.runtime.Quarkus;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;
import sun.misc.Signal;

/**
 * Ctrl-C (SIGINT) and SIGTERM as a requested stop: while the application serves, the first such
 * signal asks Quarkus to stop with exit code 0 ({@link Quarkus#asyncExit(int)}), and the main
 * thread then stops the application, the embedded servers and the JVM in that order.
 *
 * <p>The JVM's own handling would start its shutdown instead: hooks run concurrently, the main
 * thread blocks in {@code System.exit} and the process ends with 130 or 143 (see ADR 0015). That
 * handling is kept for every other signal, and for these two before the application serves and once
 * a stop is under way, so a signal during start-up or a second Ctrl-C still ends the process
 * (through the shutdown hooks, which wait a bounded time for the main thread).
 *
 * <p>A signal the process was started ignoring (SIGINT of a background job) stays ignored; under
 * {@code -Xrs} the JVM keeps the signals to itself and nothing is installed.
 *
 * <p>Threading: the handler runs on a thread the JVM starts per signal; {@link #install()} and
 * {@link #routeToApplication()} may be called from any thread, each once.
 */
final class StopSignals {

    private static final Logger LOG = Logger.getLogger(StopSignals.class);
    private static final List<String> SIGNALS = List.of("INT", "TERM");
    private static final int SIGNAL_EXIT_OFFSET = 128;

    private static final AtomicBoolean serving = new AtomicBoolean();

    private StopSignals() {}

    /**
     * Replaces the JVM's handlers of SIGINT and SIGTERM; they act as the JVM's until {@link
     * #routeToApplication()}.
     */
    static void install() {
        for (String name : SIGNALS) {
            try {
                Signal.handle(new Signal(name), StopSignals::handle);
            } catch (IllegalArgumentException reservedByJvm) {
                LOG.debugf("SIG%s stays with the JVM: %s", name, reservedByJvm.getMessage());
            }
        }
    }

    /** From now on the first SIGINT or SIGTERM stops the application instead of the JVM. */
    static void routeToApplication() {
        serving.set(true);
    }

    private static void handle(Signal signal) {
        if (serving.compareAndSet(true, false)) {
            LOG.infof("SIG%s: stopping", signal.getName());
            Quarkus.asyncExit(0);
        } else {
            // what the JVM's handler does; the signal thread runs the shutdown hooks
            System.exit(SIGNAL_EXIT_OFFSET + signal.getNumber());
        }
    }
}
