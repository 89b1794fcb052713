package dev.anneal.store;

/**
 * The object asked for does not exist for the caller. Thrown alike for an id that exists nowhere
 * and for an id that belongs to another tenant, so that the two cannot be told apart.
 */
public class NotFoundException extends DomainException {

    public NotFoundException(String what, String id, String param) {
        super("No " + what + " found with id '" + id + "'.", param, "not_found");
    }
}
