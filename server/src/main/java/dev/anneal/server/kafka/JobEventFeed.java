package dev.anneal.server.kafka;

import dev.anneal.api.job.LiveJobEvents;
import dev.anneal.events.JobEventRecord;
import dev.anneal.events.KafkaSettings;
import dev.anneal.events.Topics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Follows {@link Topics#JOB_EVENTS} from its end and hands each record to the event streams open in
 * this process ({@link LiveJobEvents}). Every process reads every partition (no consumer group):
 * each must see the events of the jobs its clients follow.
 */
@ApplicationScoped
public class JobEventFeed {

    private static final Logger LOG = Logger.getLogger(JobEventFeed.class);

    private final KafkaSettings settings;
    private final LiveJobEvents live;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

    @Inject
    JobEventFeed(KafkaSettings settings, LiveJobEvents live) {
        this.settings = settings;
        this.live = live;
    }

    void start(@Observes StartupEvent startup) {
        thread = new Thread(this::run, "anneal-job-event-feed");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        Map<String, Object> config = settings.consumer("anneal-job-event-feed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, byte[]> kafka =
                new KafkaConsumer<>(
                        config, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer = kafka;
            List<TopicPartition> partitions = partitions(kafka);
            kafka.assign(partitions);
            kafka.seekToEnd(partitions);
            while (true) {
                for (ConsumerRecord<String, byte[]> record : kafka.poll(Duration.ofSeconds(1))) {
                    if (record.key() != null && !live.follows(record.key())) {
                        continue; // keyed by job: nobody here follows this one
                    }
                    try {
                        live.deliver(JobEventRecord.fromJson(record.value()));
                    } catch (IllegalArgumentException e) {
                        LOG.warnf(
                                "Skipping an unreadable record at %s-%d offset %d: %s",
                                record.topic(),
                                record.partition(),
                                record.offset(),
                                e.getMessage());
                    }
                }
            }
        } catch (WakeupException | InterruptedException e) {
            // shutting down
        } catch (RuntimeException e) {
            LOG.errorf(e, "The live job event feed stopped; streams fall back to the store");
        }
    }

    private static List<TopicPartition> partitions(KafkaConsumer<String, byte[]> kafka)
            throws InterruptedException {
        while (true) {
            try {
                List<TopicPartition> partitions =
                        kafka.partitionsFor(Topics.JOB_EVENTS, Duration.ofSeconds(10)).stream()
                                .map(p -> new TopicPartition(p.topic(), p.partition()))
                                .toList();
                if (!partitions.isEmpty()) {
                    return partitions;
                }
            } catch (TimeoutException e) {
                LOG.debugf("Kafka not reachable yet: %s", e.getMessage());
            }
            Thread.sleep(1000);
        }
    }

    void stop(@Observes ShutdownEvent shutdown) throws InterruptedException {
        KafkaConsumer<String, byte[]> kafka = consumer;
        if (kafka != null) {
            kafka.wakeup();
        }
        if (thread != null) {
            thread.join(5000);
        }
    }
}
