package dev.anneal.server.kafka;

import static dev.anneal.server.TestApi.anneal;
import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.asAdmin;
import static dev.anneal.server.TestApi.newKey;
import static dev.anneal.server.TestApi.newTenant;
import static dev.anneal.server.feedback.FeedbackTestSupport.awaitReadable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.anneal.events.KafkaSettings;
import dev.anneal.events.Topics;
import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.standalone.KafkaCredentials;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Who may write feedback into Kafka: no one without credentials (tried with Debian's {@code kcat},
 * an independent client); a tenant's in-house producer only its own tenant's topic, where records
 * naming another tenant are dead-lettered and valid ones are stored for its tenant; and it may not
 * read. Only the platform's principal reads the topics. The authenticated clients are Kafka's Java
 * client: Debian's kcat (librdkafka 2.0.2) cannot do SCRAM with a Kafka 4 broker at all
 * (edenhill/kcat#462, fixed in librdkafka 2.6.1), so it would be refused for the wrong reason; it
 * reaches the embedded broker only with SASL/PLAIN, which only the platform principal has (and
 * which {@code FeedbackFaultToleranceIT} uses to produce through kcat).
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class KafkaAuthorizationIT {

    @Inject KafkaSettings kafka;

    @Test
    void shouldLetATenantsProducerWriteItsOwnTopicOnly() throws Exception {
        String kcat = kcat();
        String tenantA = newTenant();
        String keyA = newKey(tenantA);
        String tenantB = newTenant();
        String keyB = newKey(tenantB);
        JsonPath user =
                asAdmin()
                        .post("/v1/admin/tenants/" + tenantA + "/kafka_users")
                        .then()
                        .statusCode(201)
                        .extract()
                        .jsonPath();
        String username = user.getString("username");
        String password = user.getString("password");
        assertThat(user.getString("topic")).isEqualTo(Topics.tenantPreferences(tenantA));
        Map<String, Object> asA =
                new HashMap<>(KafkaCredentials.clientSecurity(username, password));

        // without credentials, or with a wrong password: refused before anything is written
        String forged = UUID.randomUUID().toString();
        assertThat(kcatProduce(kcat, List.of(), Topics.PREFERENCES, record(forged, tenantB)))
                .as("kcat without credentials")
                .isNotEqualTo(0);
        assertThat(
                        kcatProduce(
                                kcat,
                                KafkaCredentials.kcatOptions(
                                        KafkaCredentials.PLATFORM_USER, "wrong"),
                                Topics.PREFERENCES,
                                record(forged, tenantB)))
                .as("kcat with a wrong password")
                .isNotEqualTo(0);
        assertThat(
                        kcatProduce(
                                kcat,
                                KafkaCredentials.kcatOptions(username, password),
                                Topics.tenantPreferences(tenantA),
                                record(forged, null)))
                .as("kcat as A's principal over PLAIN, which only the platform may use")
                .isNotEqualTo(0);
        // tenant A's principal on B's topic, or on the platform's topic naming B: refused
        asAdmin().post("/v1/admin/tenants/" + tenantB + "/kafka_users").then().statusCode(201);
        assertThat(produce(asA, Topics.tenantPreferences(tenantB), record(forged, null)))
                .as("A's principal on B's topic")
                .isInstanceOf(TopicAuthorizationException.class);
        assertThat(produce(asA, Topics.PREFERENCES, record(forged, tenantB)))
                .as("A's principal on the platform's topic")
                .isInstanceOf(TopicAuthorizationException.class);
        // on its own topic a record naming B is taken in, but not as B's
        String mismatched = UUID.randomUUID().toString();
        assertThat(produce(asA, Topics.tenantPreferences(tenantA), record(mismatched, tenantB)))
                .isNull();
        // and a valid record is stored as A's
        String valid = UUID.randomUUID().toString();
        assertThat(produce(asA, Topics.tenantPreferences(tenantA), record(valid, null))).isNull();
        awaitReadable(keyA, valid);
        as(keyB).get("/v1/feedback/" + mismatched).then().statusCode(404);
        as(keyA).get("/v1/feedback/" + mismatched).then().statusCode(404);
        as(keyB).get("/v1/feedback/" + forged).then().statusCode(404);
        // it may not read, not even its own topic
        assertThat(consume(asA, Topics.tenantPreferences(tenantA)))
                .as("A's principal reading its topic")
                .isInstanceOf(AuthorizationException.class);

        // listed, and revoked
        asAdmin()
                .get("/v1/admin/tenants/" + tenantA + "/kafka_users")
                .then()
                .statusCode(200)
                .body("data.username", org.hamcrest.Matchers.contains(username));
        asAdmin()
                .get("/v1/admin/tenants/" + tenantB + "/kafka_users/")
                .then()
                .statusCode(200)
                .body(
                        "data.username",
                        org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasItem(username)));
        asAdmin()
                .delete("/v1/admin/tenants/" + tenantB + "/kafka_users/" + username)
                .then()
                .statusCode(404);
        asAdmin()
                .delete("/v1/admin/tenants/" + tenantA + "/kafka_users/" + username)
                .then()
                .statusCode(200);
        assertThat(produce(asA, Topics.tenantPreferences(tenantA), record(valid, null)))
                .as("a revoked principal")
                .isInstanceOf(SaslAuthenticationException.class);
        asAdmin()
                .post("/v1/admin/tenants/tenant-000000000000000000000000/kafka_users")
                .then()
                .statusCode(404);
        // the command line prints client properties
        assertThat(anneal("admin", "kafka-user", "--tenant", tenantA))
                .startsWith("0 # Kafka client properties of feedback-" + tenantA + "-")
                .contains("sasl.mechanism=SCRAM-SHA-512")
                .contains("sasl.jaas.config=");
    }

    private static String record(String eventId, String tenantId) {
        return "{"
                + (tenantId == null ? "" : "\"tenant_id\":\"" + tenantId + "\",")
                + "\"schema\":\"anneal.preference.v1\",\"event_id\":\""
                + eventId
                + "\",\"created_at\":\"2026-12-01T10:00:00Z\",\"type\":\"pairwise\","
                + "\"prompt\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                + "\"chosen\":[{\"role\":\"assistant\",\"content\":\"Hello!\"}],"
                + "\"rejected\":[{\"role\":\"assistant\",\"content\":\"Go away.\"}],"
                + "\"chosen_model\":\"anneal-nano\",\"rejected_model\":\"anneal-nano\","
                + "\"metadata\":{}}";
    }

    /** kcat's exit code for producing one record, with the given credentials (none: empty). */
    private int kcatProduce(String kcat, List<String> credentials, String topic, String value)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(kcat, "-P", "-b", kafka.bootstrapServers()));
        command.addAll(credentials);
        command.addAll(List.of("-t", topic, "-X", "message.timeout.ms=5000"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().write((value + "\n").getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        return exitCode(process);
    }

    /** What refused producing one record as {@code principal}, or null when it was written. */
    private Throwable produce(Map<String, Object> principal, String topic, String value) {
        Map<String, Object> config = new HashMap<>(principal);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, value)).get(20, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (KafkaException | InterruptedException | TimeoutException e) {
            return e;
        }
    }

    /** What refused reading {@code topic} as {@code principal}, or null when nothing did. */
    private Throwable consume(Map<String, Object> principal, String topic) {
        Map<String, Object> config = new HashMap<>(principal);
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "intruder-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500));
            }
            return null;
        } catch (KafkaException e) {
            return e;
        }
    }

    private static int exitCode(Process process) throws Exception {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        System.out.println("kcat: exit " + process.exitValue() + ": " + output.strip());
        return process.exitValue();
    }

    /** {@code kcat}, or its older name {@code kafkacat}; required in CI, skipped elsewhere. */
    private static String kcat() {
        for (String name : List.of("kcat", "kafkacat")) {
            for (String dir : System.getenv("PATH").split(":")) {
                if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, name))) {
                    return name;
                }
            }
        }
        String missing = "needs Debian's kcat (apt-get install kafkacat) as the independent client";
        assertThat(System.getenv("CI") == null).as(missing).isTrue();
        assumeTrue(false, missing);
        return null;
    }
}
