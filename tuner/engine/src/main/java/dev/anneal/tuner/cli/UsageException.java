package dev.anneal.tuner.cli;

/**
 * A command line the CLI cannot run: an unknown or malformed option, a missing argument, or a
 * request for something not supported yet. Reported on standard error with exit code {@value
 * #EXIT_CODE}; the message names the offending option.
 */
final class UsageException extends Exception {

    private static final long serialVersionUID = 1L;

    /** The exit code of a usage error. */
    static final int EXIT_CODE = 2;

    UsageException(String message) {
        super(message);
    }
}
