/** Kafka topic names and the versioned record types that producers and consumers share. */
package dev.anneal.events;
