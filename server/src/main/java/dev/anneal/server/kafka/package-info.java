/** The platform's connection to Kafka: settings, topics and readiness. */
package dev.anneal.server.kafka;
