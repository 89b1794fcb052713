package dev.anneal.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.LintResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * `helm lint --strict`: warnings fail too. helm-java's lint takes no values file, so each profile
 * is linted on a copy of the chart whose values.yaml is the profile merged over the defaults.
 */
class ChartLintTest {

    @Test
    void shouldPassStrictLintWhenLintedAsIs() {
        assertClean(AnnealChart.lint(AnnealChart.dir()));
    }

    @ParameterizedTest
    @FieldSource("dev.anneal.helm.AnnealChart#PROFILES")
    void shouldPassStrictLintWhenLintedWithProfile(String profile) throws IOException {
        assertClean(AnnealChart.lint(copyWithValues(profile)));
    }

    private static void assertClean(LintResult result) {
        List<String> problems =
                result.getMessages().stream()
                        .filter(m -> !m.startsWith("[INFO]"))
                        .filter(m -> !m.contains("1 chart(s) linted"))
                        .toList();
        assertThat(result.isFailed()).as("lint failed: %s", result.getMessages()).isFalse();
        assertThat(problems).as("lint warnings and errors").isEmpty();
    }

    private static Path copyWithValues(String profile) throws IOException {
        Path chart = AnnealChart.dir();
        Path copy = chart.resolve("target/lint").resolve(profile).resolve("anneal");
        if (Files.exists(copy)) {
            try (Stream<Path> old = Files.walk(copy)) {
                old.sorted((a, b) -> b.getNameCount() - a.getNameCount())
                        .forEach(p -> p.toFile().delete());
            }
        }
        try (Stream<Path> files = AnnealChart.chartFiles()) {
            for (Path file : files.toList()) {
                Path target = copy.resolve(chart.relativize(file));
                Files.createDirectories(target.getParent());
                Files.copy(file, target);
            }
        }
        AnnealChart.YAML.writeValue(
                copy.resolve("values.yaml").toFile(), AnnealChart.values(profile));
        return copy;
    }
}
