package dev.anneal.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Every rendered object is something Kubernetes (or the operator that owns it) knows, field by
 * field: typed objects through {@link KubernetesModel}, operators' custom resources through {@link
 * CustomResourceFields}.
 */
class KubernetesModelTest {

    @ParameterizedTest
    @FieldSource("dev.anneal.helm.AnnealChart#PROFILES")
    void shouldKnowEveryFieldWhenProfileIsRendered(String profile) {
        List<String> problems = new ArrayList<>();
        for (ObjectNode object : AnnealChart.rendered(profile).objects()) {
            problems.addAll(problemsOf(object));
        }
        assertThat(problems).as("unknown kinds and fields in %s", profile).isEmpty();
    }

    @ParameterizedTest
    @FieldSource("dev.anneal.helm.AnnealChart#PROFILES")
    void shouldNameAndPlaceEveryObjectWhenProfileIsRendered(String profile) {
        for (ObjectNode object : AnnealChart.rendered(profile).objects()) {
            assertThat(Rendered.nameOf(object))
                    .as("name of a %s", object.path("kind").asText())
                    .matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")
                    .hasSizeLessThanOrEqualTo(63);
            assertThat(object.path("metadata").path("namespace").asText())
                    .as("namespace of %s", Rendered.idOf(object))
                    .isEqualTo(AnnealChart.NAMESPACE);
        }
    }

    @Test
    void shouldRefuseAFieldTheModelDoesNotKnowWhenParsingStrictly() throws Exception {
        ObjectNode service =
                (ObjectNode)
                        AnnealChart.YAML.readTree(
                                "apiVersion: v1\nkind: Service\nmetadata: {name: x}\n"
                                        + "spec: {ports: [{port: 80, targetPorts: http}]}\n");

        assertThat(problemsOf(service)).singleElement().asString().contains("targetPorts");
    }

    @Test
    void shouldRefuseAFieldOutsideTheAllowListWhenACustomResourceIsChecked() throws Exception {
        ObjectNode topic =
                (ObjectNode)
                        AnnealChart.YAML.readTree(
                                "apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaTopic\n"
                                        + "metadata: {name: x}\nspec: {partitions: 3, replica: 3}\n");

        assertThat(problemsOf(topic)).singleElement().asString().contains("spec.replica ");
    }

    private static List<String> problemsOf(ObjectNode object) {
        String id = Rendered.idOf(object) + " (" + KubernetesModel.typeOf(object) + ")";
        var typed = KubernetesModel.typedClass(object);
        if (typed.isPresent()) {
            try {
                KubernetesModel.parse(object, typed.get());
                return List.of();
            } catch (Exception e) {
                return List.of(id + ": " + e.getMessage());
            }
        }
        if (CustomResourceFields.knows(object)) {
            return CustomResourceFields.problems(object).stream().map(p -> id + ": " + p).toList();
        }
        return List.of(id + ": a kind neither Kubernetes' model nor the allow-lists know");
    }
}
