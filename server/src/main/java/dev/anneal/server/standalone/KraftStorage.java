package dev.anneal.server.standalone;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.jboss.logging.Logger;

/**
 * Formats a KRaft log directory once, as {@code kafka-storage.sh format} does, so a broker can
 * start on it; a directory that holds {@code meta.properties} is already formatted and kept as it
 * is, with its topics and records.
 *
 * <p>Runs Kafka's own storage tool through {@link StorageTool#execute}, which reads the broker's
 * configuration from a file, rather than its Java {@code Formatter}, which is not on the compile
 * class path (a runtime dependency of {@code kafka_2.13}).
 */
final class KraftStorage {

    private static final Logger LOG = Logger.getLogger(KraftStorage.class);

    private KraftStorage() {}

    /** Whether {@code logDir} was formatted before. */
    static boolean isFormatted(Path logDir) {
        return Files.isRegularFile(logDir.resolve("meta.properties"));
    }

    /**
     * Formats {@code logDir} with a new cluster id unless it is formatted already.
     *
     * @param brokerProperties the configuration the broker will start with; its {@code log.dirs}
     *     must be {@code logDir}
     * @param scramUsers SCRAM credentials to put into the bootstrap metadata, as {@code
     *     kafka-storage.sh format -S} takes them
     * @return whether the directory was formatted now
     */
    static boolean formatIfNeeded(Path logDir, Properties brokerProperties, String... scramUsers)
            throws IOException {
        if (isFormatted(logDir)) {
            return false;
        }
        Files.createDirectories(logDir);
        String clusterId = Uuid.randomUuid().toString();
        Path configFile = Files.createTempFile("anneal-kraft-", ".properties");
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try {
            try (Writer writer = Files.newBufferedWriter(configFile, StandardCharsets.UTF_8)) {
                brokerProperties.store(writer, null);
            }
            List<String> command =
                    new ArrayList<>(
                            List.of("format", "-t", clusterId, "-c", configFile.toString()));
            for (String user : scramUsers) {
                command.add("-S");
                command.add(user);
            }
            String[] arguments = command.toArray(String[]::new);
            int exitCode;
            try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8)) {
                exitCode = StorageTool.execute(arguments, out);
            }
            if (exitCode != 0) {
                throw new IOException(
                        "Could not format Kafka log directory "
                                + logDir
                                + " (exit code "
                                + exitCode
                                + "): "
                                + output.toString(StandardCharsets.UTF_8));
            }
        } finally {
            Files.deleteIfExists(configFile);
        }
        LOG.debugf("Formatted %s with cluster id %s: %s", logDir, clusterId, output);
        return true;
    }
}
