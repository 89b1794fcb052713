package dev.anneal.serving.completion;

import java.util.List;

/**
 * The log-probabilities of one generated token: the log-softmax of the model's raw logits, before
 * temperature, top-p and any structured-output mask (what OpenAI reports), so not necessarily of
 * the distribution the token was sampled from.
 *
 * @param chosen the token generated
 * @param top the likeliest tokens asked for, likeliest first, ties by lower id
 */
public record TokenLogprobs(Token chosen, List<Token> top) {

    /**
     * One token's log-probability.
     *
     * @param text the token's text as it reads after the previous token; special tokens by name; a
     *     byte of an incomplete UTF-8 character as U+FFFD
     * @param logprob natural log of its probability, &le; 0
     */
    public record Token(String text, double logprob) {}
}
