package dev.anneal.store.file.format;

import static java.nio.charset.StandardCharsets.UTF_8;

/** Test helpers that feed text to a {@link JsonlValidator} the way an upload would. */
final class Jsonl {

    static final int DEFAULT_CHUNK = 64 * 1024;

    private Jsonl() {}

    /** The lines, each followed by a newline. */
    static String lines(String... lines) {
        return String.join("\n", lines) + "\n";
    }

    static ValidationResult validate(String text) {
        return validate(text.getBytes(UTF_8), DEFAULT_CHUNK, JsonlLimits.DEFAULTS);
    }

    static ValidationResult validate(byte[] data, int chunkSize, JsonlLimits limits) {
        JsonlValidator validator = new JsonlValidator(limits);
        feed(validator, data, chunkSize);
        return validator.finish();
    }

    /** Feeds {@code data} in chunks of {@code chunkSize}, each copied into a reused buffer. */
    static void feed(JsonlValidator validator, byte[] data, int chunkSize) {
        byte[] chunk = new byte[chunkSize];
        for (int off = 0; off < data.length; off += chunkSize) {
            int len = Math.min(chunkSize, data.length - off);
            System.arraycopy(data, off, chunk, 0, len);
            validator.accept(chunk, 0, len);
        }
    }
}
