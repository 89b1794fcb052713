package dev.anneal.tuner.serve;

import java.util.NoSuchElementException;

/** A request named an adapter id that is not registered (never was, or has been removed). */
public class UnknownAdapterException extends NoSuchElementException {

    private static final long serialVersionUID = 1L;

    /** The id asked for. */
    private final String adapterId;

    /**
     * Creates the exception.
     *
     * @param adapterId the id asked for
     */
    public UnknownAdapterException(String adapterId) {
        super("No adapter registered as '" + adapterId + "'");
        this.adapterId = adapterId;
    }

    /** The id asked for. */
    public String adapterId() {
        return adapterId;
    }
}
