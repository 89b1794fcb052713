package dev.anneal.tuner.train;

import dev.anneal.tuner.data.LineFormat;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The {@code data} section of a recipe.
 *
 * @param train {@code train}: the training set, JSON Lines
 * @param validation {@code validation}: the validation set, or {@code null} for none
 * @param format {@code format}: chat, prompt_completion, preference or text; {@code null} to tell
 *     it from the first line
 * @param maxSeqLength {@code max_seq_length}: the most positions in a row (default 512)
 * @param packing {@code packing}: whether short examples share rows (default true); exact: each
 *     example attends only to itself, with positions from 0, and its loss counts its own targets
 *     only, so a packed example trains as it would alone (ADR 0037)
 * @param trainOnInputs {@code train_on_inputs}: whether prompts and user turns count in the loss
 *     too (default false)
 * @param shuffle {@code shuffle}: whether rows are shuffled each epoch (default true)
 */
public record DataConfig(
        Path train,
        Path validation,
        LineFormat format,
        int maxSeqLength,
        boolean packing,
        boolean trainOnInputs,
        boolean shuffle) {

    /** Validates the section; messages name the key. */
    public DataConfig {
        Objects.requireNonNull(train, "data.train is required");
        if (maxSeqLength < 2) {
            throw new IllegalArgumentException(
                    "data.max_seq_length must be at least 2, got " + maxSeqLength);
        }
    }
}
