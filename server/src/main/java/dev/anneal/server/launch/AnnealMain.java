package dev.anneal.server.launch;

import dev.anneal.api.auth.AdminKey;
import io.quarkus.arc.Arc;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.time.Duration;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The platform's entry point. In standalone mode it first starts an embedded PostgreSQL and Kafka
 * broker (unless external ones are configured), then the application with every role; when the
 * process is asked to stop (Ctrl-C, SIGTERM) it stops the application and then everything it
 * started.
 */
@QuarkusMain
public class AnnealMain {

    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(20);

    public static void main(String... args) throws Exception {
        EmbeddedInfrastructure infrastructure =
                EmbeddedInfrastructure.start(LaunchSettings.fromEnvironment());
        infrastructure.configuration().forEach(System::setProperty);
        // On a signal, Quarkus' own hook stops the application while this one waits for the
        // main thread (which stops the servers once the application is down), so that the
        // database and the broker outlive every request; close() is idempotent.
        Thread main = Thread.currentThread();
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    try {
                                        main.join(SHUTDOWN_GRACE.toMillis());
                                    } catch (InterruptedException e) {
                                        Thread.currentThread().interrupt();
                                    }
                                    infrastructure.close();
                                },
                                "anneal-embedded-shutdown"));
        try {
            Quarkus.run(Application.class, args);
        } finally {
            infrastructure.close();
        }
    }

    /** Announces where the platform is, then serves until asked to stop. */
    public static class Application implements QuarkusApplication {

        @Override
        public int run(String... args) {
            String port =
                    ConfigProvider.getConfig()
                            .getOptionalValue("quarkus.http.port", String.class)
                            .orElse("8080");
            AdminKey adminKey = Arc.container().instance(AdminKey.class).get();
            System.out.println();
            System.out.println("Anneal is running at http://localhost:" + port);
            System.out.println("  API documentation: http://localhost:" + port + "/q/swagger-ui");
            System.out.println(
                    adminKey.file()
                            .map(f -> "  Administrator key: in " + f + " (readable by you only)")
                            .orElse("  Administrator key: the value of ANNEAL_ADMIN_KEY"));
            System.out.println("  Press Ctrl-C to stop.");
            System.out.println();
            Quarkus.waitForExit();
            return 0;
        }
    }
}
