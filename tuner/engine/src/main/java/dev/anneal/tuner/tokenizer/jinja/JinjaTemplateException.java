package dev.anneal.tuner.tokenizer.jinja;

/**
 * A template that cannot be rendered whatever its input: a syntax error, an unknown filter or
 * function, an unclosed tag. The message names the line where Jinjava found it.
 */
public final class JinjaTemplateException extends RuntimeException {

    /**
     * Creates the exception.
     *
     * @param message what is wrong and where
     */
    public JinjaTemplateException(String message) {
        super(message);
    }
}
