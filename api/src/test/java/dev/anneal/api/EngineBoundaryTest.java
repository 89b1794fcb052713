package dev.anneal.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The REST layer speaks the registry's and serving's types, never the engine's: the engine is on
 * the class path (through the worker and serving), so this boundary is kept by reading the sources.
 */
class EngineBoundaryTest {

    /** A reference to an engine package; the worker's registry is the one allowed. */
    private static final Pattern ENGINE =
            Pattern.compile("dev\\.anneal\\.tuner\\.(?!registry\\.)[a-z]+");

    @Test
    void shouldNotReferToEngineClassesWhenReadingTheApiSources() throws IOException {
        List<String> references = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src", "main", "java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher match = ENGINE.matcher(lines.get(i));
                    if (match.find()) {
                        references.add(file + ":" + (i + 1) + " " + match.group());
                    }
                }
            }
        }
        assertThat(references)
                .as("engine types reach api through serving's or the registry's own types")
                .isEmpty();
    }
}
