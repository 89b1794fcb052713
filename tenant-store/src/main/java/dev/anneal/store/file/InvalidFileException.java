package dev.anneal.store.file;

import dev.anneal.store.DomainException;
import dev.anneal.store.file.format.ValidationResult;

/** An uploaded file failed validation; nothing of it is kept. */
public class InvalidFileException extends DomainException {

    private final transient ValidationResult result;

    public InvalidFileException(ValidationResult result) {
        super(result.summary(), "file", "invalid_file_format");
        this.result = result;
    }

    /** The errors found, in line order, at most {@code JsonlValidator.MAX_ERRORS}. */
    public ValidationResult result() {
        return result;
    }
}
