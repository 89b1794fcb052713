package dev.anneal.tuner.tokenizer.jinja;

/**
 * A template called {@code raise_exception(message)}: it refuses its input, such as a conversation
 * whose roles do not alternate. The message is the template's own.
 */
public final class TemplateRaisedException extends RuntimeException {

    /**
     * Creates the exception.
     *
     * @param message the template's message
     */
    public TemplateRaisedException(String message) {
        super(message);
    }
}
