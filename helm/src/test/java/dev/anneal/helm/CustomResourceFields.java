package dev.anneal.helm;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The fields the chart may render in the operators' custom resources, which have no class in
 * Kubernetes' model: an allow-list per {@code apiVersion/kind}, taken from each operator's API
 * reference. A field outside it is a typo or a field of another version of the API.
 *
 * <p>A pattern is a dotted path: {@code []} stands for the elements of a list, {@code *} for any
 * one map key (label names, broker settings). A pattern mapped to a class is a Kubernetes type
 * embedded in the resource (resources, env vars): its subtree is parsed strictly by {@link
 * KubernetesModel} instead.
 *
 * <ul>
 *   <li>CloudNativePG {@code Cluster}: cloudnative-pg.io/documentation/current/cloudnative-pg.v1/
 *   <li>Strimzi {@code Kafka}, {@code KafkaNodePool}, {@code KafkaTopic}, {@code KafkaUser}
 *       (v1beta2): strimzi.io/docs/operators/latest/configuring.html
 * </ul>
 */
final class CustomResourceFields {

    private static final List<String> METADATA =
            List.of(
                    "apiVersion",
                    "kind",
                    "metadata.name",
                    "metadata.namespace",
                    "metadata.labels.*",
                    "metadata.annotations.*");

    private static final Map<String, Map<String, Class<?>>> ALLOWED = new LinkedHashMap<>();

    static {
        allow(
                "postgresql.cnpg.io/v1/Cluster",
                Map.of("spec.resources", ResourceRequirements.class),
                "spec.instances",
                "spec.imageName",
                "spec.primaryUpdateStrategy",
                "spec.bootstrap.initdb.database",
                "spec.bootstrap.initdb.owner",
                "spec.storage.size",
                "spec.storage.storageClass",
                "spec.walStorage.size",
                "spec.walStorage.storageClass",
                "spec.postgresql.parameters.*",
                "spec.monitoring.enablePodMonitor");
        allow(
                "kafka.strimzi.io/v1beta2/Kafka",
                Map.of("spec.entityOperator.template.userOperatorContainer.env[]", EnvVar.class),
                "spec.kafka.version",
                "spec.kafka.listeners[].name",
                "spec.kafka.listeners[].port",
                "spec.kafka.listeners[].type",
                "spec.kafka.listeners[].tls",
                "spec.kafka.listeners[].authentication.type",
                "spec.kafka.authorization.type",
                "spec.kafka.config.*",
                "spec.entityOperator.topicOperator",
                "spec.entityOperator.userOperator");
        allow(
                "kafka.strimzi.io/v1beta2/KafkaNodePool",
                Map.of("spec.resources", ResourceRequirements.class),
                "spec.replicas",
                "spec.roles[]",
                "spec.storage.type",
                "spec.storage.volumes[].id",
                "spec.storage.volumes[].type",
                "spec.storage.volumes[].size",
                "spec.storage.volumes[].class",
                "spec.storage.volumes[].deleteClaim",
                "spec.storage.volumes[].kraftMetadata");
        allow(
                "kafka.strimzi.io/v1beta2/KafkaTopic",
                Map.of(),
                "spec.topicName",
                "spec.partitions",
                "spec.replicas",
                "spec.config.*");
        allow(
                "kafka.strimzi.io/v1beta2/KafkaUser",
                Map.of(),
                "spec.authentication.type",
                "spec.authorization.type",
                "spec.authorization.acls[].resource.type",
                "spec.authorization.acls[].resource.name",
                "spec.authorization.acls[].resource.patternType",
                "spec.authorization.acls[].operations[]");
    }

    private CustomResourceFields() {}

    private static void allow(String type, Map<String, Class<?>> embedded, String... leaves) {
        Map<String, Class<?>> patterns = new LinkedHashMap<>();
        METADATA.forEach(p -> patterns.put(p, null));
        Arrays.stream(leaves).forEach(p -> patterns.put(p, null));
        patterns.putAll(embedded);
        ALLOWED.put(type, patterns);
    }

    static boolean knows(JsonNode object) {
        return ALLOWED.containsKey(KubernetesModel.typeOf(object));
    }

    /**
     * The problems of {@code object}: each field outside the allow-list, each embedded Kubernetes
     * type that does not parse strictly. Empty when it is fine.
     */
    static List<String> problems(JsonNode object) {
        Map<String, Class<?>> patterns = ALLOWED.get(KubernetesModel.typeOf(object));
        if (patterns == null) {
            return List.of("no allow-list for " + KubernetesModel.typeOf(object));
        }
        List<String> problems = new ArrayList<>();
        walk(object, new ArrayList<>(), patterns, problems);
        return problems;
    }

    private static void walk(
            JsonNode node,
            List<String> path,
            Map<String, Class<?>> patterns,
            List<String> problems) {
        Optional<Map.Entry<String, Class<?>>> match = match(path, patterns);
        if (match.isPresent() && !path.isEmpty()) {
            Class<?> embedded = match.get().getValue();
            if (embedded != null) {
                try {
                    KubernetesModel.parse(node, embedded);
                } catch (Exception e) {
                    problems.add(String.join(".", path) + ": " + e.getMessage());
                }
            }
            return;
        }
        if (node.isObject() && !node.isEmpty()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                path.add(field.getKey());
                walk(field.getValue(), path, patterns, problems);
                path.remove(path.size() - 1);
            }
        } else if (node.isArray() && !node.isEmpty()) {
            for (JsonNode element : node) {
                path.add("[]");
                walk(element, path, patterns, problems);
                path.remove(path.size() - 1);
            }
        } else {
            problems.add("field " + render(path) + " is not in the allow-list");
        }
    }

    private static Optional<Map.Entry<String, Class<?>>> match(
            List<String> path, Map<String, Class<?>> patterns) {
        for (Map.Entry<String, Class<?>> pattern : patterns.entrySet()) {
            if (matches(path, segments(pattern.getKey()))) {
                return Optional.of(pattern);
            }
        }
        return Optional.empty();
    }

    private static boolean matches(List<String> path, List<String> pattern) {
        if (path.size() != pattern.size()) {
            return false;
        }
        for (int i = 0; i < path.size(); i++) {
            String expected = pattern.get(i);
            if (!expected.equals("*") && !expected.equals(path.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** {@code a.b[].c} as {@code [a, b, [], c]}; a {@code *} segment stays one segment. */
    private static List<String> segments(String pattern) {
        List<String> segments = new ArrayList<>();
        for (String part : pattern.split("\\.")) {
            if (part.endsWith("[]")) {
                segments.add(part.substring(0, part.length() - 2));
                segments.add("[]");
            } else {
                segments.add(part);
            }
        }
        return segments;
    }

    private static String render(List<String> path) {
        return String.join(".", path).replace(".[]", "[]");
    }
}
