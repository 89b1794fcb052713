/**
 * Readiness beyond the connections: the data disk's reserve and, in a process with the tuner role,
 * living worker slots.
 */
package dev.anneal.server.health;
