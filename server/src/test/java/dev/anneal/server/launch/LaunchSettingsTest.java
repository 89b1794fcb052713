package dev.anneal.server.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LaunchSettingsTest {

    @Test
    void shouldUseStandaloneDefaultsWhenNothingIsConfigured() {
        LaunchSettings settings = LaunchSettings.from(Map.of(), Map.of());

        assertThat(settings.dataDir()).isEqualTo(Path.of("data"));
        assertThat(settings.dbUrl()).isEmpty();
        assertThat(settings.kafkaBootstrapServers()).isEmpty();
        assertThat(settings.kafkaHost()).isEqualTo("localhost");
        assertThat(settings.kafkaPort()).isEqualTo(9092);
    }

    @Test
    void shouldReadEnvironmentAndPreferSystemPropertiesWhenBothAreSet() {
        LaunchSettings settings =
                LaunchSettings.from(
                        Map.of(
                                "ANNEAL_DATA_DIR", "/srv/anneal",
                                "ANNEAL_DB_URL", "jdbc:postgresql://db:5432/anneal",
                                "ANNEAL_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092",
                                "ANNEAL_KAFKA_PORT", "19092"),
                        Map.of("anneal.kafka.port", "29092"));

        assertThat(settings.dataDir()).isEqualTo(Path.of("/srv/anneal"));
        assertThat(settings.dbUrl()).contains("jdbc:postgresql://db:5432/anneal");
        assertThat(settings.kafkaBootstrapServers()).contains("kafka:9092");
        assertThat(settings.kafkaPort()).isEqualTo(29092);
    }

    @Test
    void shouldNameTheKeyWhenPortIsNotANumber() {
        assertThatThrownBy(
                        () -> LaunchSettings.from(Map.of("ANNEAL_KAFKA_PORT", "ninety"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("anneal.kafka.port");
    }

    @Test
    void shouldStartNothingWhenDatabaseAndKafkaAreExternal() throws Exception {
        LaunchSettings external =
                new LaunchSettings(
                        Path.of("/nonexistent/data"),
                        Optional.of("jdbc:postgresql://db:5432/anneal"),
                        0,
                        Optional.of("kafka:9092"),
                        "localhost",
                        9092,
                        0);

        try (EmbeddedInfrastructure infrastructure = EmbeddedInfrastructure.start(external)) {
            assertThat(infrastructure.configuration())
                    .containsOnlyKeys("anneal.data-dir")
                    .containsEntry("anneal.data-dir", "/nonexistent/data");
        }
    }
}
