package dev.anneal.tuner.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A JSON Lines training file, read one line at a time: each line is parsed when it is reached and
 * dropped once encoded, so memory holds the encoded examples (token ids), never the file's JSON
 * trees. Blank lines are skipped. The encoded examples are counted as they accumulate: past the
 * file's budget, reading stops with {@link TrainingDataTooLargeException}, before the heap runs out
 * (an {@code OutOfMemoryError} inside the tokenizer's native code would end the process).
 */
public final class JsonLines {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final long heldBytes;

    /**
     * A file read within a memory budget.
     *
     * @param file the JSON Lines file
     * @param heldBytes the most heap its encoded examples may take together
     */
    public JsonLines(Path file, long heldBytes) {
        this.file = file;
        this.heldBytes = heldBytes;
    }

    /** The file. */
    public Path file() {
        return file;
    }

    /**
     * The first example, parsed: what decides the file's format.
     *
     * @throws InvalidTrainingDataException if the file holds no example or its first is not JSON
     */
    public JsonNode first() throws IOException {
        List<JsonNode> first = new ArrayList<>(1);
        read(
                node -> {
                    first.add(node);
                    return false;
                });
        if (first.isEmpty()) {
            throw new InvalidTrainingDataException(null, file + " holds no example");
        }
        return first.get(0);
    }

    /**
     * Encodes every example in order.
     *
     * @param encoder one example's encoding
     * @return the encoded examples
     * @throws InvalidTrainingDataException if a line is not JSON, naming the line, or the encoder
     *     refuses an example, naming it
     * @throws TrainingDataTooLargeException if the examples outgrow the budget
     */
    public <T extends HeldExample> List<T> encodeAll(Function<JsonNode, T> encoder)
            throws IOException {
        List<T> examples = new ArrayList<>();
        long[] held = {0};
        read(
                node -> {
                    T example;
                    try {
                        example = encoder.apply(node);
                    } catch (InvalidTrainingDataException e) {
                        throw e.at(file + " example " + (examples.size() + 1));
                    }
                    examples.add(example);
                    held[0] += example.heldBytes() + Long.BYTES; // and the list's reference
                    if (held[0] > heldBytes) {
                        throw new TrainingDataTooLargeException(examples.size(), heldBytes);
                    }
                    return true;
                });
        if (examples.isEmpty()) {
            throw new InvalidTrainingDataException(null, file + " holds no example");
        }
        return examples;
    }

    /** Hands each parsed line to {@code visit} until it answers false or the file ends. */
    private void read(LineVisitor visit) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (IOException e) {
                    throw new InvalidTrainingDataException(
                            null, file + " line " + number + " is not JSON");
                }
                if (!visit.next(node)) {
                    return;
                }
            }
        }
    }

    @FunctionalInterface
    private interface LineVisitor {
        boolean next(JsonNode node);
    }
}
