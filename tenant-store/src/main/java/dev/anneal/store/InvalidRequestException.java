package dev.anneal.store;

/** A parameter of the request is missing or has a value the domain does not accept. */
public class InvalidRequestException extends DomainException {

    public InvalidRequestException(String message, String param) {
        super(message, param, "invalid_value");
    }

    public InvalidRequestException(String message, String param, String code) {
        super(message, param, code);
    }
}
