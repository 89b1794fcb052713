package dev.anneal.tuner.checkpoint;

import java.io.IOException;

/**
 * A checkpoint that cannot be used as it is: a missing tensor, a malformed header, a shape or data
 * type the model cannot take. The message names the tensor and the file.
 */
public class CheckpointException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, naming the tensor and the file
     */
    public CheckpointException(String message) {
        super(message);
    }
}
