package dev.anneal.serving;

import dev.anneal.serving.structured.Vocabulary;
import dev.anneal.tuner.generate.TokenConstraint;

/**
 * Makes the {@link TokenConstraint} of each sequence of a request (structured output: a JSON
 * object, a JSON schema). Each of a request's {@code n} sequences gets its own constraint, since
 * constraints hold per-sequence state.
 */
@FunctionalInterface
public interface ConstraintFactory {

    /**
     * A fresh constraint.
     *
     * @param vocabulary the served model's vocabulary, built once per base model
     * @param maxTokens the sequence's token budget, its end-of-sequence token included
     * @return the constraint of one sequence
     * @throws dev.anneal.serving.structured.MaxTokensTooSmallException if the budget cannot hold
     *     the shortest valid output
     */
    TokenConstraint newConstraint(Vocabulary vocabulary, int maxTokens);
}
