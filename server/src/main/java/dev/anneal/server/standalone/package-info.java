/**
 * Standalone mode's embedded infrastructure: a real PostgreSQL and a real single-node Apache Kafka
 * broker (KRaft, combined broker and controller), started by the launcher before Quarkus and kept
 * in folders on disk so their state survives a restart of the process.
 *
 * <p>Plain Java without CDI, so that the launcher and tests can start them before any container.
 */
package dev.anneal.server.standalone;
