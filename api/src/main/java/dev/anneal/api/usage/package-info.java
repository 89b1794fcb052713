/**
 * A tenant's use against its quotas ({@code GET /v1/usage}, and every tenant's for the
 * administrator), and the per-key request rate limit with OpenAI's {@code x-ratelimit-*} headers.
 */
package dev.anneal.api.usage;
