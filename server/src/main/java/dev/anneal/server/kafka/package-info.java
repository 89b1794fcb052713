/**
 * The platform's connection to Kafka: its configuration and the one {@link
 * dev.anneal.events.KafkaSettings} every client is built from, topics, readiness, and the job-event
 * relay and feed.
 */
package dev.anneal.server.kafka;
