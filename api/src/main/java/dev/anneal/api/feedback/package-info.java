/**
 * Ingress of human preference feedback: {@code POST /v1/feedback} checks one record or a batch and
 * produces it to {@link dev.anneal.events.Topics#PREFERENCES}, answering once Kafka acknowledged
 * every record. The feedback role stores them from there ({@code rlhf-feedback}).
 */
package dev.anneal.api.feedback;
