package dev.anneal.server.kafka;

import dev.anneal.events.KafkaSettings;
import dev.anneal.events.Topics;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.jboss.logging.Logger;

/**
 * The platform's view of Kafka as a whole: creates the topics it needs at start when they are
 * missing, sets their retention ({@link KafkaConfig#retention()}), and tells readiness whether the
 * cluster answers.
 *
 * <p>It starts before every other start-up observer: a producer or consumer of a topic that started
 * first would have a broker that auto-creates topics create it with the broker's defaults (one
 * partition, no size limit for dead letters).
 */
@Startup(Interceptor.Priority.PLATFORM_BEFORE)
@ApplicationScoped
public class KafkaTopics {

    private static final Logger LOG = Logger.getLogger(KafkaTopics.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final KafkaSettings settings;
    private final KafkaConfig config;
    private Admin admin;

    @Inject
    KafkaTopics(KafkaSettings settings, KafkaConfig config) {
        this.settings = settings;
        this.config = config;
    }

    @PostConstruct
    void createMissingTopics() throws InterruptedException {
        admin = Admin.create(settings.admin());
        try {
            Set<String> existing =
                    admin.listTopics().names().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing =
                    Topics.ALL.stream()
                            .filter(t -> !existing.contains(t))
                            .map(this::newTopic)
                            .toList();
            if (!config.createTopics()) {
                if (!missing.isEmpty()) {
                    LOG.warnf(
                            "Kafka topics %s are missing and ANNEAL_KAFKA_CREATE_TOPICS=false:"
                                    + " create them as the deployment guide says",
                            missing.stream().map(NewTopic::name).toList());
                }
                return;
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                LOG.infof("Created Kafka topics %s", missing.stream().map(NewTopic::name).toList());
            }
            admin.incrementalAlterConfigs(retentionOfEveryTopic())
                    .all()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // Not fatal: readiness reports Kafka down until it answers.
            LOG.warnf(
                    "Could not check or create Kafka topics at %s: %s",
                    settings.bootstrapServers(), e.getMessage());
        }
    }

    /** {@code retention.ms} and a segment size in time that lets it take effect. */
    private Map<String, String> retentionConfigs() {
        long retention = config.retention().toMillis();
        return Map.of(
                TopicConfig.RETENTION_MS_CONFIG,
                String.valueOf(retention),
                TopicConfig.SEGMENT_MS_CONFIG,
                String.valueOf(Math.max(1000, retention / 7)));
    }

    private Map<ConfigResource, Collection<AlterConfigOp>> retentionOfEveryTopic() {
        Map<ConfigResource, Collection<AlterConfigOp>> changes = new HashMap<>();
        List<AlterConfigOp> set =
                retentionConfigs().entrySet().stream()
                        .map(
                                e ->
                                        new AlterConfigOp(
                                                new ConfigEntry(e.getKey(), e.getValue()),
                                                AlterConfigOp.OpType.SET))
                        .toList();
        for (String topic : Topics.ALL) {
            changes.put(new ConfigResource(ConfigResource.Type.TOPIC, topic), set);
        }
        return changes;
    }

    private NewTopic newTopic(String name) {
        NewTopic topic = new NewTopic(name, config.partitions(), config.replicationFactor());
        topic.configs(new HashMap<>(retentionConfigs()));
        if (name.equals(Topics.PREFERENCES_DLQ)) {
            topic.configs()
                    .put(
                            TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                            String.valueOf(Topics.DLQ_MAX_MESSAGE_BYTES));
        }
        return topic;
    }

    /** Creates {@code name} as the platform's own topics are made, unless it exists. */
    void ensureTopic(String name)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (admin.listTopics()
                .names()
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .contains(name)) {
            return;
        }
        NewTopic topic = newTopic(name);
        try {
            admin.createTopics(List.of(topic)).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    /** Deletes {@code name}, if it exists. */
    void deleteTopic(String name)
            throws InterruptedException, ExecutionException, TimeoutException {
        try {
            admin.deleteTopics(List.of(name)).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                throw e;
            }
        }
    }

    /** The platform's admin client (the platform principal, a super user of the cluster). */
    Admin admin() {
        return admin;
    }

    /** Whether the cluster answers within {@code timeout}; its node count if it does. */
    public int liveBrokers(Duration timeout) throws Exception {
        return admin.describeCluster(
                        new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
                .nodes()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .size();
    }

    @PreDestroy
    void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
    }
}
