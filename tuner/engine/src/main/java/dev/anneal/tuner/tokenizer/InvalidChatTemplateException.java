package dev.anneal.tuner.tokenizer;

/**
 * A model's {@code chat_template} that cannot be rendered whatever the conversation: a Jinja syntax
 * error, an unknown filter, an unclosed tag. The model folder is at fault, not the data or the
 * request; the message names the template by its beginning.
 */
public final class InvalidChatTemplateException extends RuntimeException {

    private static final int SHOWN = 80;

    /**
     * Creates the exception.
     *
     * @param template the template's source
     * @param problem what is wrong, with the line
     */
    public InvalidChatTemplateException(String template, String problem) {
        super(
                "The chat_template of tokenizer_config.json cannot be rendered: "
                        + problem
                        + "; the template begins: "
                        + (template.length() > SHOWN
                                ? template.substring(0, SHOWN) + "..."
                                : template));
    }
}
