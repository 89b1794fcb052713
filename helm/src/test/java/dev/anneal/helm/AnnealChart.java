package dev.anneal.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The chart under test, driven through Helm's own library (helm-java: no helm binary, no network),
 * and its value profiles ({@code src/test/resources/profiles/<name>.yaml}).
 *
 * <p>Each profile is rendered once per JVM and shared by the tests; the raw output is written to
 * {@code target/rendered/<profile>.yaml} for a person to read.
 */
final class AnnealChart {

    static final String RELEASE = "anneal";
    static final String NAMESPACE = "anneal";

    /** The Kubernetes version {@code .Capabilities} reports while rendering. */
    static final String KUBE_VERSION = "1.31.0";

    /** Every value profile; each is linted, rendered, checked and compared to its golden file. */
    static final List<String> PROFILES =
            List.of(
                    "defaults",
                    "external-existing-secrets",
                    "operators",
                    "ingress-tls-sso",
                    "accelerators");

    static final YAMLMapper YAML = new YAMLMapper();

    private static final Map<String, Rendered> RENDERED = new ConcurrentHashMap<>();

    private AnnealChart() {}

    /** The chart's folder: the module's own folder, where Chart.yaml lives. */
    static Path dir() {
        return Path.of(System.getProperty("helm.chart.dir", ".")).toAbsolutePath().normalize();
    }

    static Path renderedDir() {
        return Path.of(
                System.getProperty(
                        "helm.rendered.dir", dir().resolve("target/rendered").toString()));
    }

    static Path profile(String name) {
        return dir().resolve("src/test/resources/profiles").resolve(name + ".yaml");
    }

    /** The profile rendered as `helm template anneal . -n anneal -f profile` would. */
    static Rendered rendered(String profile) {
        return RENDERED.computeIfAbsent(
                profile,
                name -> {
                    String manifests = template(profile(name));
                    try {
                        Files.createDirectories(renderedDir());
                        Files.writeString(renderedDir().resolve(name + ".yaml"), manifests);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return Rendered.parse(manifests);
                });
    }

    /**
     * Renders the chart with these values files, in order. Lookups see the Secrets of {@link
     * FakeKubernetesApi}: none unless a test put some there.
     *
     * @throws IllegalStateException with Helm's message when the values are refused or a template
     *     fails
     */
    static String template(Path... valuesFiles) {
        FakeKubernetesApi.get();
        TemplateCommand command =
                new Helm(dir())
                        .template()
                        .withName(RELEASE)
                        .withNamespace(NAMESPACE)
                        .withKubeVersion(KUBE_VERSION);
        for (Path values : valuesFiles) {
            command = command.withValuesFile(values);
        }
        return command.call();
    }

    /** `helm lint --strict` of the chart in {@code chartDir}. */
    static LintResult lint(Path chartDir) {
        return new Helm(chartDir).lint().strict().call();
    }

    /** The chart's values.yaml with the profile's values over it, as Helm merges them. */
    static ObjectNode values(String profile) {
        try {
            ObjectNode values = (ObjectNode) YAML.readTree(dir().resolve("values.yaml").toFile());
            JsonNode overrides = YAML.readTree(profile(profile).toFile());
            if (overrides != null && overrides.isObject()) {
                merge(values, (ObjectNode) overrides);
            }
            return values;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Maps merge key by key; anything else (lists included) is replaced whole. */
    private static void merge(ObjectNode target, ObjectNode overrides) {
        Iterator<Map.Entry<String, JsonNode>> fields = overrides.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode existing = target.get(field.getKey());
            if (existing != null && existing.isObject() && field.getValue().isObject()) {
                merge((ObjectNode) existing, (ObjectNode) field.getValue());
            } else {
                target.set(field.getKey(), field.getValue());
            }
        }
    }

    /** The chart's own files (what `helm package` would take), for a copy of the chart. */
    static Stream<Path> chartFiles() throws IOException {
        Path dir = dir();
        Stream<Path> top =
                Stream.of("Chart.yaml", "values.schema.json", ".helmignore", "README.md")
                        .map(dir::resolve)
                        .filter(Files::exists);
        return Stream.concat(
                top, Files.walk(dir.resolve("templates")).filter(Files::isRegularFile));
    }
}
