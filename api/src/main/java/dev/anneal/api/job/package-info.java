/**
 * OpenAI's fine-tuning jobs API with the platform's additions: creation with every parameter
 * checked up front, listing, retrieval, cancellation, events (paged, or live over server-sent
 * events), checkpoints and the download of checkpoints and fine-tuned models.
 */
package dev.anneal.api.job;
