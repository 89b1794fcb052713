package dev.anneal.server.standalone;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Lowers the embedded broker's logging to WARN, through java.util.logging, which both JBoss
 * LogManager (Quarkus, and the SLF4J binding Kafka logs through) and the JDK's manager honour.
 *
 * <p>Only categories without a level of their own are touched, so a level configured for the
 * application (e.g. {@code quarkus.log.category."org.apache.kafka".level}) wins. This also quiets
 * the INFO output of the application's own Kafka clients, which log under the same categories.
 */
final class BrokerLogLevels {

    private static final List<String> CATEGORIES =
            List.of("kafka", "org.apache.kafka", "state.change.logger");

    /** Strong references: java.util.logging forgets the level of a logger that is collected. */
    private static final List<Logger> QUIETED = new CopyOnWriteArrayList<>();

    private BrokerLogLevels() {}

    static synchronized void quietUnlessConfigured() {
        for (String category : CATEGORIES) {
            Logger logger = Logger.getLogger(category);
            if (logger.getLevel() == null) {
                logger.setLevel(Level.WARNING);
                QUIETED.add(logger);
            }
        }
    }
}
