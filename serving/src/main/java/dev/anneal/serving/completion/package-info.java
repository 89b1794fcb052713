/**
 * What a completion asks of a served model and what it gets back, in serving's own terms: the
 * prompt ({@link Prompt}: a conversation or a text), how to sample ({@link Sampling}), and per
 * generated sequence its text deltas, log-probabilities and end ({@link CompletionListener}).
 *
 * <p>The REST layer speaks only these types; {@link dev.anneal.serving.ServedModel} maps them to
 * the engine's (tokenizer, chat template, generation configuration, decoder steps) in one place, so
 * the engine can change without the API following it.
 */
package dev.anneal.serving.completion;
