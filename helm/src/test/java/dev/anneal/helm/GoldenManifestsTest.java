package dev.anneal.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * What each profile renders, compared with its golden file ({@code
 * src/test/resources/golden/<profile>.yaml}), so that a change to the chart shows in review as a
 * change to the manifests. Values the chart generates (annotation {@code
 * anneal.dev/generated-keys}) differ at every rendering and are masked.
 *
 * <p>After an intended change: {@code ./mvnw -o verify -pl helm -Dhelm.golden.update=true} rewrites
 * the golden files; review their diff and commit them with the change.
 */
class GoldenManifestsTest {

    static final String MASK = "<generated>";
    private static final String UPDATE = "./mvnw -B -o verify -pl helm -Dhelm.golden.update=true";

    @ParameterizedTest
    @FieldSource("dev.anneal.helm.AnnealChart#PROFILES")
    void shouldRenderWhatTheGoldenFileHoldsWhenProfileIsRendered(String profile)
            throws IOException {
        String actual = masked(AnnealChart.rendered(profile));
        Path golden =
                Path.of(
                                System.getProperty(
                                        "helm.golden.dir",
                                        AnnealChart.dir()
                                                .resolve("src/test/resources/golden")
                                                .toString()))
                        .resolve(profile + ".yaml");

        if (Boolean.getBoolean("helm.golden.update")) {
            Files.createDirectories(golden.getParent());
            Files.writeString(golden, actual);
            return;
        }
        if (!Files.exists(golden)) {
            fail("No golden file " + golden + ": create it with " + UPDATE);
        }
        String expected = Files.readString(golden);
        if (!expected.equals(actual)) {
            fail(
                    "The chart renders profile '%s' differently from %s (rendered: %s).%n%s%n"
                            + "If the change is intended, rewrite the golden files with%n  %s%n"
                            + "and review their diff.",
                    profile,
                    golden,
                    AnnealChart.renderedDir().resolve(profile + ".yaml"),
                    firstDifference(expected, actual),
                    UPDATE);
        }
        assertThat(actual).isEqualTo(expected);
    }

    /** Helm's text with every generated value replaced by {@link #MASK}. */
    static String masked(Rendered rendered) {
        String text = rendered.manifests();
        for (ObjectNode secret : rendered.ofKind("Secret")) {
            String generated =
                    secret.path("metadata")
                            .path("annotations")
                            .path("anneal.dev/generated-keys")
                            .asText("");
            for (String key : generated.split(",")) {
                JsonNode value = secret.path("data").path(key.strip());
                if (value.isTextual() && !value.asText().isEmpty()) {
                    text = text.replace(value.asText(), MASK);
                }
            }
        }
        return text;
    }

    private static String firstDifference(String expected, String actual) {
        List<String> a = expected.lines().toList();
        List<String> b = actual.lines().toList();
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            String was = i < a.size() ? a.get(i) : "<end of file>";
            String is = i < b.size() ? b.get(i) : "<end of file>";
            if (!was.equals(is)) {
                return String.format(
                        "First difference at line %d:%n  golden:   %s%n  rendered: %s",
                        i + 1, was, is);
            }
        }
        return "The files differ only in line endings.";
    }
}
