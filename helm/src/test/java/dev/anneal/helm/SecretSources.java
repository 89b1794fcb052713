package dev.anneal.helm;

import static dev.anneal.helm.PodTemplates.elements;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which Secrets and ConfigMaps a rendering may refer to, and the references it makes.
 *
 * <p>Available are those it renders, those the profile's values declare to exist already (each
 * {@code existingSecret}, the Ingress's TLS Secret, image pull Secrets), and those the operators
 * make for the custom resources it renders: CloudNativePG's {@code <cluster>-app}, Strimzi's {@code
 * <cluster>-cluster-ca-cert} and one Secret per KafkaUser.
 */
final class SecretSources {

    /** A declared Secret whose keys the values do not tell. */
    static final String ANY_KEY = "*";

    /**
     * One reference from a rendered object.
     *
     * @param from the referring object, e.g. {@code Deployment/anneal-api}
     * @param kind Secret or ConfigMap
     * @param name the referred object
     * @param key the key read from it, or null for the whole object
     */
    record Reference(String from, String kind, String name, String key) {
        @Override
        public String toString() {
            return from + " -> " + kind + "/" + name + (key == null ? "" : "[" + key + "]");
        }
    }

    private SecretSources() {}

    /** {@code Kind/name} of every Secret and ConfigMap available, with its known keys. */
    static Map<String, Set<String>> available(String profile, Rendered rendered) {
        Map<String, Set<String>> available = new HashMap<>();
        for (String kind : List.of("Secret", "ConfigMap")) {
            for (ObjectNode object : rendered.ofKind(kind)) {
                Set<String> keys = new HashSet<>();
                object.path("data").fieldNames().forEachRemaining(keys::add);
                object.path("stringData").fieldNames().forEachRemaining(keys::add);
                available.put(kind + "/" + Rendered.nameOf(object), keys);
            }
        }
        declaredInValues(AnnealChart.values(profile), available);
        for (ObjectNode cluster : rendered.ofKind("Cluster")) {
            available.put(
                    "Secret/" + Rendered.nameOf(cluster) + "-app",
                    Set.of(
                            "username",
                            "password",
                            "host",
                            "port",
                            "dbname",
                            "uri",
                            "jdbc-uri",
                            "pgpass"));
        }
        for (ObjectNode kafka : rendered.ofKind("Kafka")) {
            available.put(
                    "Secret/" + Rendered.nameOf(kafka) + "-cluster-ca-cert",
                    Set.of("ca.crt", "ca.p12", "ca.password"));
        }
        for (ObjectNode user : rendered.ofKind("KafkaUser")) {
            available.put(
                    "Secret/" + Rendered.nameOf(user), Set.of("password", "sasl.jaas.config"));
        }
        return available;
    }

    private static void declaredInValues(JsonNode values, Map<String, Set<String>> available) {
        declare(available, values.path("masterKey").path("existingSecret"), ANY_KEY);
        declare(available, values.path("adminKey").path("existingSecret"), ANY_KEY);
        declare(
                available,
                values.path("postgresql").path("external").path("existingSecret"),
                ANY_KEY);
        JsonNode kafka = values.path("kafka").path("external");
        declare(available, kafka.path("sasl").path("existingSecret"), ANY_KEY);
        declare(available, kafka.path("truststore").path("existingSecret"), ANY_KEY);
        declare(available, values.path("objectStore").path("existingSecret"), ANY_KEY);
        declare(available, values.path("sso").path("existingSecret"), ANY_KEY);
        declare(available, values.path("ingress").path("tls").path("secretName"), ANY_KEY);
        values.path("imagePullSecrets").forEach(s -> declare(available, s.path("name"), ANY_KEY));
    }

    private static void declare(Map<String, Set<String>> available, JsonNode name, String key) {
        if (name.isTextual() && !name.asText().isEmpty()) {
            available.putIfAbsent("Secret/" + name.asText(), Set.of(key));
        }
    }

    /** Every Secret and ConfigMap reference {@code object} makes. */
    static List<Reference> references(ObjectNode object) {
        String from = Rendered.idOf(object);
        List<Reference> references = new ArrayList<>();
        if (object.path("kind").asText().equals("Ingress")) {
            for (JsonNode tls : object.path("spec").path("tls")) {
                references.add(
                        new Reference(from, "Secret", tls.path("secretName").asText(), null));
            }
        }
        if (!object.path("kind").asText().equals("Deployment")) {
            return references;
        }
        JsonNode pod = PodTemplates.podSpec(object);
        pod.path("imagePullSecrets")
                .forEach(
                        s ->
                                references.add(
                                        new Reference(
                                                from, "Secret", s.path("name").asText(), null)));
        for (JsonNode volume : pod.path("volumes")) {
            JsonNode secret = volume.path("secret");
            if (!secret.isMissingNode()) {
                String name = secret.path("secretName").asText();
                references.add(new Reference(from, "Secret", name, null));
                secret.path("items")
                        .forEach(
                                i ->
                                        references.add(
                                                new Reference(
                                                        from,
                                                        "Secret",
                                                        name,
                                                        i.path("key").asText())));
            }
            JsonNode configMap = volume.path("configMap");
            if (!configMap.isMissingNode()) {
                references.add(
                        new Reference(from, "ConfigMap", configMap.path("name").asText(), null));
            }
            for (JsonNode source : volume.path("projected").path("sources")) {
                if (source.has("secret")) {
                    references.add(
                            new Reference(
                                    from,
                                    "Secret",
                                    source.path("secret").path("name").asText(),
                                    null));
                }
                if (source.has("configMap")) {
                    references.add(
                            new Reference(
                                    from,
                                    "ConfigMap",
                                    source.path("configMap").path("name").asText(),
                                    null));
                }
            }
        }
        List<JsonNode> containers = new ArrayList<>(PodTemplates.containers(object));
        containers.addAll(PodTemplates.initContainers(object));
        for (JsonNode container : containers) {
            for (JsonNode env : container.path("env")) {
                JsonNode secret = env.path("valueFrom").path("secretKeyRef");
                if (!secret.isMissingNode()) {
                    references.add(
                            new Reference(
                                    from,
                                    "Secret",
                                    secret.path("name").asText(),
                                    secret.path("key").asText()));
                }
                JsonNode configMap = env.path("valueFrom").path("configMapKeyRef");
                if (!configMap.isMissingNode()) {
                    references.add(
                            new Reference(
                                    from,
                                    "ConfigMap",
                                    configMap.path("name").asText(),
                                    configMap.path("key").asText()));
                }
            }
            elements(container.path("envFrom"))
                    .forEach(
                            e -> {
                                if (e.has("secretRef")) {
                                    references.add(
                                            new Reference(
                                                    from,
                                                    "Secret",
                                                    e.path("secretRef").path("name").asText(),
                                                    null));
                                }
                                if (e.has("configMapRef")) {
                                    references.add(
                                            new Reference(
                                                    from,
                                                    "ConfigMap",
                                                    e.path("configMapRef").path("name").asText(),
                                                    null));
                                }
                            });
        }
        return references;
    }
}
