/**
 * Iteration-level scheduling (continuous batching, as in Orca and vLLM) over one resident base
 * model: {@link dev.anneal.serving.scheduler.Scheduler} runs one engine thread whose every
 * iteration advances each running sequence by one step (a prefill chunk or one token), admits
 * waiting sequences when the KV-cache budget has room, and drops finished and cancelled ones, all
 * at token boundaries. {@link dev.anneal.serving.scheduler.BatchForward} is the forward pass of one
 * iteration: today one pass per sequence, each with its own KV cache and adapter view; a batched
 * multi-adapter forward replaces it without touching the loop.
 */
package dev.anneal.serving.scheduler;
