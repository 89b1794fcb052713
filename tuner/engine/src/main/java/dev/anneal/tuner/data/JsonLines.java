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
 * trees. Blank lines are skipped.
 */
public final class JsonLines {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;

    public JsonLines(Path file) {
        this.file = file;
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
     */
    public <T> List<T> encodeAll(Function<JsonNode, T> encoder) throws IOException {
        List<T> examples = new ArrayList<>();
        read(
                node -> {
                    try {
                        examples.add(encoder.apply(node));
                    } catch (InvalidTrainingDataException e) {
                        throw e.at(file + " example " + (examples.size() + 1));
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
