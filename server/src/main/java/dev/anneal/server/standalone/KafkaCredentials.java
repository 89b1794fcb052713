package dev.anneal.server.standalone;

import dev.anneal.events.KafkaSettings;
import dev.anneal.store.Ids;
import dev.anneal.store.crypto.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The embedded broker's secrets, generated on first start into the data folder, readable by their
 * owner only: the platform principal's SCRAM password ({@code User:anneal}, the only principal that
 * may read the topics and manage the cluster) and the controller listener's PLAIN password (KRaft
 * does not take SCRAM on the controller listener).
 *
 * @param provisioned whether the platform principal existed before this start (false: a log
 *     directory formatted by a version without authentication, which must be given the user)
 */
public record KafkaCredentials(
        String platformPassword, String controllerPassword, boolean provisioned) {

    /** The platform's principal name. */
    public static final String PLATFORM_USER = "anneal";

    /** The controller listener's principal name. */
    public static final String CONTROLLER_USER = "controller";

    /** The mechanism clients authenticate with. */
    public static final String MECHANISM = "SCRAM-SHA-512";

    static final String PLATFORM_FILE = "kafka-platform.password";
    static final String CONTROLLER_FILE = "kafka-controller.password";

    /** Reads the secrets from {@code dir}, creating those that are missing. */
    static KafkaCredentials loadOrCreate(Path dir) throws IOException {
        PrivateFiles.createDirectories(dir);
        Path platform = dir.resolve(PLATFORM_FILE);
        boolean existed = Files.isRegularFile(platform);
        return new KafkaCredentials(
                PrivateFiles.readOrCreateSecret(platform, () -> Ids.randomToken(40)),
                PrivateFiles.readOrCreateSecret(
                        dir.resolve(CONTROLLER_FILE), () -> Ids.randomToken(40)),
                existed);
    }

    /**
     * The client settings of the platform principal, for every Kafka client of the platform.
     *
     * @param mechanism {@link #MECHANISM} or {@code PLAIN}
     */
    public KafkaSettings platformClient(String bootstrapServers, String mechanism) {
        return new KafkaSettings(
                bootstrapServers, clientSecurity(PLATFORM_USER, platformPassword, mechanism));
    }

    /** The security properties of a SCRAM client {@code user}. */
    public static Map<String, String> clientSecurity(String user, String password) {
        return clientSecurity(user, password, MECHANISM);
    }

    private static Map<String, String> clientSecurity(
            String user, String password, String mechanism) {
        return Map.of(
                "security.protocol",
                "SASL_PLAINTEXT",
                "sasl.mechanism",
                mechanism,
                "sasl.jaas.config",
                jaas(
                        mechanism.equals("PLAIN")
                                ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                                : "org.apache.kafka.common.security.scram.ScramLoginModule",
                        user,
                        password));
    }

    /**
     * {@code kcat}'s options for {@code user} with SASL/PLAIN, which the embedded broker takes for
     * the platform principal on a loopback listener: Debian's kcat (librdkafka 2.0.2) cannot do
     * SCRAM with Kafka 4.
     */
    public static List<String> kcatOptions(String user, String password) {
        return List.of(
                "-X",
                "security.protocol=SASL_PLAINTEXT",
                "-X",
                "sasl.mechanisms=PLAIN",
                "-X",
                "sasl.username=" + user,
                "-X",
                "sasl.password=" + password);
    }

    static String jaas(String module, String user, String password) {
        return module + " required username=\"" + user + "\" password=\"" + password + "\";";
    }

    @Override
    public String toString() {
        return "KafkaCredentials[redacted]";
    }
}
