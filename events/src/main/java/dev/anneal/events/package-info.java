/**
 * Kafka topic names, the versioned record types that producers and consumers share, and the
 * settings every Kafka client of the platform is built from ({@link
 * dev.anneal.events.KafkaSettings}).
 */
package dev.anneal.events;
