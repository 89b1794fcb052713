package dev.anneal.store.file.format;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

/** Test helpers that feed text to a {@link JsonlValidator} the way an upload would. */
final class Jsonl {

    static final int DEFAULT_CHUNK = 64 * 1024;

    /** A user's chat message and an assistant's answer to it. */
    static final String USER = "{\"role\":\"user\",\"content\":\"What is 2+2?\"}";

    static final String ASSISTANT = "{\"role\":\"assistant\",\"content\":\"4\"}";

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

    /** A chat line of these messages. */
    static String chat(String... messages) {
        return "{\"messages\":[" + String.join(",", messages) + "]}";
    }

    /** The one error of a file made of this line. */
    static LineError error(String line) {
        ValidationResult result = Jsonl.validate(line + "\n");
        assertThat(result.errors()).hasSize(1);
        return result.errors().get(0);
    }
}
