package dev.anneal.store.crypto;

/**
 * A wrapped data key could not be unwrapped: it was wrapped by another master key or for another
 * tenant, or its bytes were damaged. Retrying will not help.
 */
public class KeyUnwrapException extends RuntimeException {

    public KeyUnwrapException(String message) {
        super(message);
    }

    public KeyUnwrapException(String message, Throwable cause) {
        super(message, cause);
    }
}
