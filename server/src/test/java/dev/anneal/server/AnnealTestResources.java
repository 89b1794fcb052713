package dev.anneal.server;

import dev.anneal.server.launch.EmbeddedInfrastructure;
import dev.anneal.server.launch.LaunchSettings;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real PostgreSQL and a real Kafka broker for the tests, started once for the whole suite with
 * their state in a temporary data folder, exactly as standalone mode starts them.
 */
public class AnnealTestResources implements QuarkusTestResourceLifecycleManager {

    public static final String ADMIN_KEY = "sk-admin-test-0123456789";

    /** Small, so that the size limit is cheap to cross in a test. */
    public static final long MAX_FILE_BYTES = 4 * 1024 * 1024;

    private static Path dataDir;
    private EmbeddedInfrastructure infrastructure;

    @Override
    public Map<String, String> start() {
        try {
            dataDir = Files.createTempDirectory("anneal-test-");
            infrastructure = EmbeddedInfrastructure.start(LaunchSettings.embeddedIn(dataDir));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> config = new HashMap<>(infrastructure.configuration());
        config.put("anneal.admin-key", ADMIN_KEY);
        config.put("anneal.files.max-bytes", String.valueOf(MAX_FILE_BYTES));
        config.put("anneal.files.max-line-bytes", "65536");
        // short leases so that take-over and cancellation tests run in seconds
        config.put("anneal.tuner.lease", "6s");
        config.put("anneal.tuner.heartbeat", "500ms");
        config.put("anneal.tuner.poll-interval", "200ms");
        // one libtorch thread: two on a busy 2-core machine slow training many times over
        config.put("anneal.tuner.threads", "1");
        return config;
    }

    /** The data folder of the running test application. */
    public static Path dataDir() {
        return dataDir;
    }

    @Override
    public void stop() {
        if (infrastructure != null) {
            infrastructure.close();
        }
        if (dataDir != null) {
            try (Stream<Path> paths = Files.walk(dataDir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temporary folder: the OS cleans it eventually
            }
        }
    }
}
