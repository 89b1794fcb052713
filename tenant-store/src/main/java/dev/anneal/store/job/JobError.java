package dev.anneal.store.job;

/**
 * Why a job failed, OpenAI's shape.
 *
 * @param code a stable machine-readable code, e.g. {@code invalid_training_file}
 * @param message what happened, for a person
 * @param param the job parameter at fault, or {@code null}
 */
public record JobError(String code, String message, String param) {}
