package dev.anneal.tuner.tokenizer;

/**
 * A conversation that a model's chat template cannot render, such as turns that do not alternate
 * where the template requires it. The caller decides whose fault it is: training data (the encoders
 * turn it into {@link dev.anneal.tuner.data.InvalidTrainingDataException}) or a request.
 */
public final class InvalidConversationException extends IllegalArgumentException {

    /**
     * Creates the exception.
     *
     * @param message what is wrong with the conversation
     */
    public InvalidConversationException(String message) {
        super(message);
    }
}
