package dev.anneal.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class KafkaSettingsTest {

    private static final Map<String, String> SASL_SSL =
            Map.of(
                    "security.protocol", "SASL_SSL",
                    "sasl.mechanism", "SCRAM-SHA-512",
                    "sasl.jaas.config", "ScramLoginModule required password=\"secret\";",
                    "ssl.truststore.location", "/etc/anneal/truststore.p12");

    private final KafkaSettings secured = new KafkaSettings("k1:9093,k2:9093", SASL_SSL);

    @Test
    void shouldPassSecurityPropertiesToEveryClientWhenConfigured() {
        assertThat(secured.producer("p")).containsAllEntriesOf(SASL_SSL);
        assertThat(secured.consumer("c")).containsAllEntriesOf(SASL_SSL);
        assertThat(secured.admin()).containsAllEntriesOf(SASL_SSL);
    }

    @Test
    void shouldSetBootstrapServersAndClientIdWhenPlaintext() {
        KafkaSettings plaintext = KafkaSettings.plaintext("localhost:9092");

        assertThat(plaintext.producer("anneal-job-events"))
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of(
                                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092",
                                ProducerConfig.CLIENT_ID_CONFIG, "anneal-job-events"));
        assertThat(plaintext.consumer("anneal-feedback"))
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of(
                                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092",
                                ConsumerConfig.CLIENT_ID_CONFIG, "anneal-feedback"));
        assertThat(plaintext.admin())
                .containsExactlyEntriesOf(
                        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092"));
    }

    @Test
    void shouldNameOnlyPropertiesKafkaKnowsWhenBuildingEachClient() {
        assertThat(ProducerConfig.configNames()).containsAll(secured.producer("p").keySet());
        assertThat(ConsumerConfig.configNames()).containsAll(secured.consumer("c").keySet());
        assertThat(AdminClientConfig.configNames()).containsAll(secured.admin().keySet());
    }

    @Test
    void shouldGiveEachCallerItsOwnMapWhenOneAddsItsRoleSettings() {
        secured.consumer("c").put(ConsumerConfig.GROUP_ID_CONFIG, "g");

        assertThat(secured.consumer("c")).doesNotContainKey(ConsumerConfig.GROUP_ID_CONFIG);
    }

    @Test
    void shouldRefuseAPropertyWhenItIsNotASecurityProperty() {
        assertThatThrownBy(
                        () ->
                                new KafkaSettings(
                                        "localhost:9092", Map.of("bootstrap.servers", "x:1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("anneal.kafka.client.bootstrap.servers");
        assertThatThrownBy(() -> new KafkaSettings("localhost:9092", Map.of("acks", "1")))
                .hasMessageContaining("anneal.kafka.client.acks");
    }

    @Test
    void shouldRefuseBootstrapServersWhenBlank() {
        assertThatThrownBy(() -> KafkaSettings.plaintext(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("anneal.kafka.bootstrap-servers");
    }

    @Test
    void shouldLeaveOutSecurityValuesWhenPrinted() {
        assertThat(secured.toString())
                .contains("k1:9093,k2:9093", "sasl.jaas.config")
                .doesNotContain("secret", "SASL_SSL");
    }

    @Test
    void shouldKeepReliabilityOnTopOfSecurityWhenProducingReliably() {
        Map<String, Object> config = ReliableProducer.config(secured, "anneal-feedback-api");

        assertThat(config)
                .containsAllEntriesOf(SASL_SSL)
                .containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "k1:9093,k2:9093")
                .containsEntry(ProducerConfig.CLIENT_ID_CONFIG, "anneal-feedback-api")
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    }
}
