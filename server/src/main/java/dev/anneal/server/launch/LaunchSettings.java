package dev.anneal.server.launch;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What the launcher needs to know before the application starts: where state lives and whether
 * PostgreSQL and Kafka are external. Read from system properties ({@code anneal.db.url}) or the
 * environment ({@code ANNEAL_DB_URL}), as the application reads them.
 */
public record LaunchSettings(
        Path dataDir,
        Optional<String> dbUrl,
        int dbPort,
        Optional<String> kafkaBootstrapServers,
        String kafkaHost,
        int kafkaPort,
        int kafkaControllerPort) {

    /**
     * Embedded PostgreSQL and Kafka in {@code dataDir}, each on a free port of this machine: what
     * tests and benchmarks start beside the servers they run.
     */
    public static LaunchSettings embeddedIn(Path dataDir) {
        return new LaunchSettings(
                dataDir, Optional.empty(), 0, Optional.empty(), "localhost", 0, 0);
    }

    public static LaunchSettings fromEnvironment() {
        return from(System.getenv(), System.getProperties());
    }

    static LaunchSettings from(Map<String, String> env, Map<Object, Object> props) {
        Lookup lookup = new Lookup(env, props);
        return new LaunchSettings(
                Path.of(lookup.get("anneal.data-dir").orElse("data")),
                lookup.get("anneal.db.url"),
                lookup.integer("anneal.db.port", 0),
                lookup.get("anneal.kafka.bootstrap-servers"),
                lookup.get("anneal.kafka.host").orElse("localhost"),
                lookup.integer("anneal.kafka.port", 9092),
                lookup.integer("anneal.kafka.controller-port", 0));
    }

    private record Lookup(Map<String, String> env, Map<Object, Object> props) {

        Optional<String> get(String key) {
            Object fromProps = props.get(key);
            String value =
                    fromProps != null
                            ? fromProps.toString()
                            : env.get(key.toUpperCase().replace('.', '_').replace('-', '_'));
            return Optional.ofNullable(value).map(String::strip).filter(v -> !v.isEmpty());
        }

        int integer(String key, int fallback) {
            Optional<String> value = get(key);
            if (value.isEmpty()) {
                return fallback;
            }
            try {
                return Integer.parseInt(value.get());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        key + " must be a port number, got '" + value.get() + "'", e);
            }
        }
    }
}
