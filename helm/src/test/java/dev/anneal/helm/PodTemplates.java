package dev.anneal.helm;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/** Reading the pod templates of rendered Deployments. */
final class PodTemplates {

    private PodTemplates() {}

    /** The Deployment of {@code role} in the profile's rendering (release {@code anneal}). */
    static JsonNode deployment(String profile, String role) {
        return AnnealChart.rendered(profile).get("Deployment", "anneal-" + role);
    }

    /** The container of {@code role}'s pods in the profile's rendering. */
    static JsonNode roleContainer(String profile, String role) {
        return container(deployment(profile, role));
    }

    /** {@code secret[key]} that the container's {@code name} variable is read from. */
    static String secretKeyRef(JsonNode container, String name) {
        JsonNode ref =
                envVar(container, name)
                        .orElseThrow(() -> new AssertionError(name + " is not set"))
                        .path("valueFrom")
                        .path("secretKeyRef");
        return ref.path("name").asText() + "[" + ref.path("key").asText() + "]";
    }

    static JsonNode podSpec(JsonNode deployment) {
        return deployment.path("spec").path("template").path("spec");
    }

    static JsonNode podLabels(JsonNode deployment) {
        return deployment.path("spec").path("template").path("metadata").path("labels");
    }

    static List<JsonNode> containers(JsonNode deployment) {
        return elements(podSpec(deployment).path("containers")).toList();
    }

    static List<JsonNode> initContainers(JsonNode deployment) {
        return elements(podSpec(deployment).path("initContainers")).toList();
    }

    /** The container of a role's pods (the chart runs one per pod). */
    static JsonNode container(JsonNode deployment) {
        List<JsonNode> containers = containers(deployment);
        if (containers.size() != 1) {
            throw new AssertionError(Rendered.idOf(deployment) + " has not exactly one container");
        }
        return containers.get(0);
    }

    /** The plain value of {@code name} in the container's env, if it is set to a value. */
    static Optional<String> env(JsonNode container, String name) {
        return envVar(container, name)
                .filter(v -> v.has("value"))
                .map(v -> v.path("value").asText());
    }

    static Optional<JsonNode> envVar(JsonNode container, String name) {
        return elements(container.path("env"))
                .filter(v -> name.equals(v.path("name").asText()))
                .findFirst();
    }

    static Optional<JsonNode> volume(JsonNode deployment, String name) {
        return elements(podSpec(deployment).path("volumes"))
                .filter(v -> name.equals(v.path("name").asText()))
                .findFirst();
    }

    /** The role a Deployment runs: its {@code ANNEAL_ROLES}. */
    static String role(JsonNode deployment) {
        return env(container(deployment), "ANNEAL_ROLES")
                .orElseThrow(() -> new AssertionError(Rendered.idOf(deployment) + " sets no role"));
    }

    /** Whether every {@code matchLabels} entry of {@code selector} is among {@code labels}. */
    static boolean selects(JsonNode matchLabels, JsonNode labels) {
        if (matchLabels.isMissingNode() || matchLabels.isEmpty()) {
            return false;
        }
        Iterator<Map.Entry<String, JsonNode>> entries = matchLabels.fields();
        while (entries.hasNext()) {
            Map.Entry<String, JsonNode> entry = entries.next();
            if (!entry.getValue().asText().equals(labels.path(entry.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    static Stream<JsonNode> elements(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false);
    }

    static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(e -> texts.add(e.asText()));
        return texts;
    }
}
