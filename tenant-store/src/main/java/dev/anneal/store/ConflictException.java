package dev.anneal.store;

/** The request clashes with the current state, e.g. a name that is already taken. */
public class ConflictException extends DomainException {

    public ConflictException(String message, String param) {
        super(message, param, "conflict");
    }
}
