package dev.anneal.serving.scheduler;

import dev.anneal.tuner.model.CausalLm;
import dev.anneal.tuner.model.KvCache;

/**
 * One sequence's part of an iteration's forward pass.
 *
 * @param model the sequence's model: the base, or the view of its adapter
 * @param cache the sequence's KV cache, extended by the pass
 * @param tokens the new tokens, {@code [seq]}: a prefill chunk, or the last sampled token
 */
public record ForwardRow(CausalLm model, KvCache cache, long[] tokens) {}
