/**
 * {@code ./anneal audit} and {@code ./anneal admin}: administrator commands that call a running
 * platform's administrator API, so they work the same against standalone mode and a cluster.
 */
package dev.anneal.server.cli;
