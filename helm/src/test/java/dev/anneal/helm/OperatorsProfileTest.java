package dev.anneal.helm;

import static dev.anneal.helm.PodTemplates.deployment;
import static dev.anneal.helm.PodTemplates.env;
import static dev.anneal.helm.PodTemplates.roleContainer;
import static dev.anneal.helm.PodTemplates.secretKeyRef;
import static dev.anneal.helm.PodTemplates.texts;
import static dev.anneal.helm.PodTemplates.volume;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The {@code operators} profile: PostgreSQL from CloudNativePG, Kafka from Strimzi, with the
 * platform's topics and Kafka principal as the operators' resources.
 */
class OperatorsProfileTest {

    private final Rendered rendered = AnnealChart.rendered("operators");

    @Test
    void shouldRenderAKRaftKafkaWithAControllerAndBrokerPoolWhenStrimziIsTheOperator() {
        ObjectNode kafka = rendered.get("Kafka", "anneal-kafka");
        ObjectNode pool = rendered.get("KafkaNodePool", "anneal-kafka-pool");

        assertThat(kafka.path("metadata").path("annotations").path("strimzi.io/kraft").asText())
                .isEqualTo("enabled");
        assertThat(
                        kafka.path("metadata")
                                .path("annotations")
                                .path("strimzi.io/node-pools")
                                .asText())
                .isEqualTo("enabled");
        JsonNode listener = kafka.path("spec").path("kafka").path("listeners").get(0);
        assertThat(listener.path("tls").asBoolean()).isTrue();
        assertThat(listener.path("authentication").path("type").asText())
                .isEqualTo("scram-sha-512");
        assertThat(kafka.path("spec").path("kafka").path("authorization").path("type").asText())
                .isEqualTo("simple");
        assertThat(pool.path("metadata").path("labels").path("strimzi.io/cluster").asText())
                .isEqualTo("anneal-kafka");
        assertThat(texts(pool.path("spec").path("roles"))).containsExactly("controller", "broker");
        assertThat(pool.path("spec").path("replicas").asInt()).isEqualTo(3);
    }

    @Test
    void shouldDeclareTheProductsTopicsWhenStrimziOwnsThem() {
        Map<String, JsonNode> topics = new TreeMap<>();
        rendered.ofKind("KafkaTopic")
                .forEach(t -> topics.put(t.path("spec").path("topicName").asText(), t));

        assertThat(topics)
                .containsOnlyKeys(
                        "tuning.job-events", "feedback.preferences", "feedback.preferences.dlq");
        for (JsonNode topic : topics.values()) {
            JsonNode spec = topic.path("spec");
            assertThat(spec.path("partitions").asInt()).isEqualTo(6);
            assertThat(spec.path("replicas").asInt()).isEqualTo(3);
            assertThat(spec.path("config").path("min.insync.replicas").asInt()).isEqualTo(2);
            assertThat(spec.path("config").path("retention.ms").asLong())
                    .isEqualTo(168L * 3600 * 1000);
            assertThat(topic.path("metadata").path("labels").path("strimzi.io/cluster").asText())
                    .isEqualTo("anneal-kafka");
        }
        assertThat(
                        topics.get("feedback.preferences.dlq")
                                .path("spec")
                                .path("config")
                                .path("max.message.bytes")
                                .asInt())
                .isEqualTo(4 * 1024 * 1024);
        assertThat(
                        topics.get("feedback.preferences")
                                .path("spec")
                                .path("config")
                                .has("max.message.bytes"))
                .isFalse();
    }

    @Test
    void shouldGrantThePlatformWhatItsCodeUsesWhenItsKafkaUserIsRendered() {
        JsonNode spec = rendered.get("KafkaUser", "anneal-platform").path("spec");
        Map<String, List<String>> acls = new TreeMap<>();
        for (JsonNode acl : spec.path("authorization").path("acls")) {
            JsonNode resource = acl.path("resource");
            acls.put(
                    resource.path("type").asText()
                            + ":"
                            + resource.path("name").asText("")
                            + ":"
                            + resource.path("patternType").asText(""),
                    texts(acl.path("operations")));
        }

        assertThat(spec.path("authentication").path("type").asText()).isEqualTo("scram-sha-512");
        assertThat(acls)
                .containsEntry("topic:feedback.preferences:prefix", List.of("All"))
                .containsEntry("topic:tuning.job-events:literal", List.of("All"))
                .containsEntry("group:anneal:prefix", List.of("All"))
                .containsEntry("transactionalId:anneal:prefix", List.of("All"))
                .containsKey("cluster::");
        assertThat(acls.get("cluster::"))
                .contains("Describe", "DescribeConfigs", "Alter", "AlterConfigs");
        assertThat(
                        rendered.get("Kafka", "anneal-kafka")
                                .path("spec")
                                .path("entityOperator")
                                .path("template")
                                .path("userOperatorContainer")
                                .path("env")
                                .get(0)
                                .path("value")
                                .asText())
                .as("the User Operator leaves the tenants' producer users alone")
                .isEqualTo("^feedback-tenant-.*$");
    }

    @Test
    void shouldConnectThroughTheOperatorsSecretsWhenOperatorsRunTheServices() {
        JsonNode feedback = roleContainer("operators", "feedback");

        assertThat(env(feedback, "ANNEAL_KAFKA_CREATE_TOPICS")).hasValue("false");
        assertThat(env(feedback, "ANNEAL_KAFKA_BOOTSTRAP_SERVERS"))
                .hasValue("anneal-kafka-kafka-bootstrap:9093");
        assertThat(env(feedback, "ANNEAL_KAFKA_SECURITY_PROTOCOL")).hasValue("SASL_SSL");
        assertThat(env(feedback, "ANNEAL_KAFKA_SASL_MECHANISM")).hasValue("SCRAM-SHA-512");
        assertThat(env(feedback, "ANNEAL_KAFKA_SASL_USERNAME")).hasValue("anneal-platform");
        assertThat(secretKeyRef(feedback, "ANNEAL_KAFKA_SASL_PASSWORD"))
                .isEqualTo("anneal-platform[password]");
        assertThat(env(feedback, "ANNEAL_KAFKA_SSL_TRUSTSTORE_TYPE")).hasValue("PEM");
        assertThat(
                        volume(deployment("operators", "feedback"), "kafka-truststore")
                                .orElseThrow()
                                .path("secret")
                                .path("secretName")
                                .asText())
                .isEqualTo("anneal-kafka-cluster-ca-cert");
        assertThat(env(feedback, "ANNEAL_DB_URL"))
                .hasValue("jdbc:postgresql://anneal-pg-rw:5432/anneal");
        assertThat(secretKeyRef(feedback, "ANNEAL_DB_USER")).isEqualTo("anneal-pg-app[username]");
        assertThat(secretKeyRef(feedback, "ANNEAL_DB_PASSWORD"))
                .isEqualTo("anneal-pg-app[password]");
        assertThat(
                        rendered.get("Cluster", "anneal-pg")
                                .path("spec")
                                .path("bootstrap")
                                .path("initdb")
                                .path("database")
                                .asText())
                .isEqualTo("anneal");
        assertThat(rendered.find("Secret", "anneal-db"))
                .as("no Secret of the chart's for the database")
                .isEmpty();
    }
}
