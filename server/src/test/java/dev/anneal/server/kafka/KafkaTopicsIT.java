package dev.anneal.server.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.events.KafkaSettings;
import dev.anneal.events.Topics;
import dev.anneal.server.AnnealTestResources;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The platform's topics are created by the platform, with its settings, before any client of theirs
 * starts: a consumer that subscribed first would have the broker auto-create a topic with the
 * broker's defaults instead.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class KafkaTopicsIT {

    @Inject KafkaSettings kafka;

    @ConfigProperty(name = "anneal.kafka.partitions", defaultValue = "3")
    int partitions;

    @Test
    void shouldCreateEveryTopicWithThePlatformsSettingsWhenTheApplicationStarts() throws Exception {
        try (Admin admin = Admin.create(kafka.admin())) {
            Map<String, TopicDescription> topics =
                    admin.describeTopics(Topics.ALL).allTopicNames().get(30, TimeUnit.SECONDS);
            for (String topic : Topics.ALL) {
                assertThat(topics.get(topic).partitions()).as(topic).hasSize(partitions);
            }
            ConfigResource dlq =
                    new ConfigResource(ConfigResource.Type.TOPIC, Topics.PREFERENCES_DLQ);
            Config config =
                    admin.describeConfigs(List.of(dlq)).all().get(30, TimeUnit.SECONDS).get(dlq);
            assertThat(config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value())
                    .isEqualTo(String.valueOf(Topics.DLQ_MAX_MESSAGE_BYTES));
        }
    }
}
