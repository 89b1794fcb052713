package dev.anneal.server.launch;

import dev.anneal.api.auth.AdminKey;
import io.quarkus.arc.Arc;
import io.quarkus.bootstrap.logging.InitialConfigurator;
import io.quarkus.runtime.ApplicationLifecycleManager;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;
import org.jboss.logmanager.handlers.ConsoleHandler;

/**
 * The platform's entry point. In standalone mode it first starts an embedded PostgreSQL and Kafka
 * broker (unless external ones are configured), then the application with every role, as soon as
 * PostgreSQL serves: the broker goes on starting beside it, and {@link EmbeddedBrokerGate} holds
 * the application's first use of Kafka until it serves (ADR 0044).
 *
 * <p>Stopping (Ctrl-C, SIGTERM; see {@link StopSignals}) is done by the main thread, in order: the
 * application, so that the database and the broker outlive every request, then the broker and the
 * database, then the JVM with the application's exit code (0 for a requested stop). Quarkus'
 * default would call {@code System.exit} inside {@link Quarkus#run}, which blocks while shutdown
 * hooks run; here {@code run} returns instead. A shutdown the JVM starts itself (a second signal,
 * SIGHUP, {@code System.exit} elsewhere) waits in a hook for that ordered stop, at most {@link
 * #SHUTDOWN_GRACE}, and then stops the servers itself. See ADR 0015.
 */
@QuarkusMain
public class AnnealMain {

    private static final Logger LOG = Logger.getLogger(AnnealMain.class);

    private static volatile EmbeddedInfrastructure startedHere;

    /** How long a shutdown started by the JVM waits for the main thread's ordered stop. */
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(20);

    /** The class Quarkus generates for the application; its static initialiser boots it. */
    private static final String GENERATED_APPLICATION = "io.quarkus.runner.ApplicationImpl";

    public static void main(String... args) throws Exception {
        CompletableFuture<Void> staticInit = initialiseApplicationClass();
        EmbeddedInfrastructure infrastructure;
        try {
            infrastructure = EmbeddedInfrastructure.begin(LaunchSettings.fromEnvironment());
            awaitStaticInit(staticInit, infrastructure);
        } catch (Exception | Error e) {
            logEarlyRecordsAsConfigured();
            throw e;
        }
        startedHere = infrastructure;
        infrastructure.configuration().forEach(System::setProperty);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> awaitOrderedStop(stopped, infrastructure),
                                "anneal-embedded-shutdown"));
        StopSignals.install();
        AtomicInteger exitCode = new AtomicInteger(1);
        // Quarkus still logs a failed start as usual; only its System.exit is replaced
        ApplicationLifecycleManager.setDefaultExitCodeHandler(
                (code, failure) -> exitCode.set(code));
        try {
            Quarkus.run(Application.class, args);
        } finally {
            infrastructure.close();
            stopped.countDown();
        }
        // blocks for good when the JVM is already shutting down, which is harmless: no hook waits
        // for this thread, and the JVM halts once the hooks are done
        System.exit(exitCode.get());
    }

    /**
     * Runs the application's static initialisation (Quarkus' build-time recorded steps: class
     * loading, Hibernate's metamodel, the bean container) on a thread of its own while the embedded
     * servers start; none of it reads the configuration those servers provide, which Quarkus reads
     * again when it starts. {@link Quarkus#run} then finds the class initialised.
     */
    private static CompletableFuture<Void> initialiseApplicationClass() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread thread =
                new Thread(
                        () -> {
                            try {
                                Class.forName(
                                        GENERATED_APPLICATION,
                                        true,
                                        AnnealMain.class.getClassLoader());
                                done.complete(null);
                            } catch (ClassNotFoundException e) {
                                // not a packaged application (e.g. run from an IDE): Quarkus.run
                                // initialises what it runs
                                done.complete(null);
                            } catch (Throwable e) {
                                done.completeExceptionally(e);
                            }
                        },
                        "anneal-static-init");
        thread.setDaemon(true);
        thread.start();
        return done;
    }

    /** Waits for the static initialisation; its failure stops the servers and is rethrown. */
    private static void awaitStaticInit(
            CompletableFuture<Void> staticInit, EmbeddedInfrastructure infrastructure)
            throws Exception {
        try {
            staticInit.join();
        } catch (CompletionException e) {
            infrastructure.close();
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw (Error) e.getCause();
        }
    }

    /**
     * Until Quarkus has configured logging, its delayed handler keeps every record, DEBUG and TRACE
     * included, and a JVM that exits before then writes them all out ahead of its error (about 600
     * lines). A start that fails that early sends the kept records through a console handler that
     * shows the platform's own at INFO and above and the libraries' from WARN, as configured
     * logging would.
     */
    private static void logEarlyRecordsAsConfigured() {
        if (!InitialConfigurator.DELAYED_HANDLER.isActivated()) {
            ConsoleHandler console = InitialConfigurator.createDefaultHandler();
            console.setLevel(Level.INFO);
            console.setFilter(
                    record ->
                            record.getLevel().intValue() >= Level.WARNING.intValue()
                                    || String.valueOf(record.getLoggerName())
                                            .startsWith("dev.anneal."));
            InitialConfigurator.DELAYED_HANDLER.setHandlers(new Handler[] {console});
        }
    }

    /**
     * The shutdown hook's part: the JVM halts once its hooks return, so wait for the main thread to
     * stop the application and the servers; stop the servers here if it does not in time.
     */
    private static void awaitOrderedStop(
            CountDownLatch stopped, EmbeddedInfrastructure infrastructure) {
        try {
            if (stopped.await(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            }
            LOG.warnf(
                    "The application did not stop within %d s; stopping the embedded servers",
                    SHUTDOWN_GRACE.toSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        infrastructure.close();
    }

    /**
     * The embedded servers {@link #main} started in this process, the broker perhaps still starting
     * ({@link EmbeddedBrokerGate} waits for it); empty when {@link #main} did not start the
     * application (tests start their servers themselves).
     */
    static Optional<EmbeddedInfrastructure> startedHere() {
        return Optional.ofNullable(startedHere);
    }

    /** Announces where the platform is, then serves until asked to stop. */
    public static class Application implements QuarkusApplication {

        @Override
        public int run(String... args) {
            Config config = ConfigProvider.getConfig();
            String port = config.getOptionalValue("quarkus.http.port", String.class).orElse("8080");
            String management =
                    "http://"
                            + config.getValue("quarkus.management.host", String.class)
                            + ":"
                            + config.getValue("quarkus.management.port", String.class)
                            + "/q";
            AdminKey adminKey = Arc.container().instance(AdminKey.class).get();
            System.out.println();
            System.out.println("Anneal is running at http://localhost:" + port);
            System.out.println("  API documentation: " + management + "/swagger-ui");
            System.out.println(
                    "  Health and metrics: " + management + "/health, " + management + "/metrics");
            System.out.println(
                    adminKey.file()
                            .map(f -> "  Administrator key: in " + f + " (readable by you only)")
                            .orElse("  Administrator key: the value of ANNEAL_ADMIN_KEY"));
            System.out.println("  Press Ctrl-C to stop.");
            System.out.println();
            StopSignals.routeToApplication();
            Quarkus.waitForExit();
            return 0;
        }
    }
}
