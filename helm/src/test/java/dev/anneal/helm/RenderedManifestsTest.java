package dev.anneal.helm;

import static dev.anneal.helm.PodTemplates.container;
import static dev.anneal.helm.PodTemplates.containers;
import static dev.anneal.helm.PodTemplates.elements;
import static dev.anneal.helm.PodTemplates.initContainers;
import static dev.anneal.helm.PodTemplates.podLabels;
import static dev.anneal.helm.PodTemplates.podSpec;
import static dev.anneal.helm.PodTemplates.role;
import static dev.anneal.helm.PodTemplates.selects;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * What every profile's objects must say to one another: Services and policies select the pods they
 * mean, references resolve, every container is bounded, probed and confined, and the image is the
 * product's version.
 */
class RenderedManifestsTest {

    private static final List<String> ROLES = List.of("api", "serve", "tuner", "feedback");

    @Test
    void shouldHaveTheProjectVersionAsAppVersionWhenChartIsRead() throws IOException {
        JsonNode chart =
                AnnealChart.YAML.readTree(AnnealChart.dir().resolve("Chart.yaml").toFile());
        String projectVersion = System.getProperty("anneal.project.version");

        assertThat(projectVersion).as("anneal.project.version from the build").isNotBlank();
        assertThat(chart.path("appVersion").asText()).isEqualTo(projectVersion);
        assertThat(chart.path("name").asText()).isEqualTo("anneal");
    }

    @ParameterizedTest
    @FieldSource("dev.anneal.helm.AnnealChart#PROFILES")
    void shouldRunEachRoleInADeploymentOfItsOwnWhenProfileIsRendered(String profile) {
        List<ObjectNode> deployments = AnnealChart.rendered(profile).ofKind("Deployment");

        assertThat(deployments.stream().map(PodTemplates::role))
                .containsExactlyInAnyOrderElementsOf(ROLES);
        for (ObjectNode deployment : deployments) {
            assertThat(Rendered.nameOf(deployment)).endsWith("-" + role(deployment));
            assertThat(
                            selects(
                                    deployment.path("spec").path("selector").path("matchLabels"),
                                    podLabels(deployment)))
                    .as("%s selects its own pods", Rendered.idOf(deployment))
                    .isTrue();
        }
    }

    @ParameterizedTest
    @FieldSource("dev.anneal.helm.AnnealChart#PROFILES")
    void shouldSelectExactlyTheIntendedPodsWhenAServiceIsRendered(String profile) {
        Rendered rendered = AnnealChart.rendered(profile);
        for (ObjectNode service : rendered.ofKind("Service")) {
            JsonNode selector = service.path("spec").path("selector");
            List<ObjectNode> selected =
                    rendered.ofKind("Deployment").stream()
                            .filter(d -> selects(selector, podLabels(d)))
                            .toList();

            assertThat(selected)
                    .as("Deployments whose pods %s selects", Rendered.idOf(service))
                    .extracting(Rendered::nameOf)
                    .containsExactly(Rendered.nameOf(service));
            for (JsonNode port : service.path("spec").path("ports")) {
                assertThat(opensPort(selected.get(0), port.path("targetPort")))
                        .as(
                                "%s's targetPort %s is a port of its pods' container",
                                Rendered.idOf(service), port.path("targetPort"))
                        .isTrue();
            }
        }
    }

    @ParameterizedTest
    @FieldSource("dev.anneal.helm.AnnealChart#PROFILES")
    void shouldSelectOneRoleWhenAPolicyOrBudgetOrAutoscalerIsRendered(String profile) {
        Rendered rendered = AnnealChart.rendered(profile);
        List<ObjectNode> deployments = rendered.ofKind("Deployment");
        List<ObjectNode> selecting = new ArrayList<>(rendered.ofKind("NetworkPolicy"));
        selecting.addAll(rendered.ofKind("PodDisruptionBudget"));
        for (ObjectNode object : selecting) {
            JsonNode selector =
                    object.path("kind").asText().equals("NetworkPolicy")
                            ? object.path("spec").path("podSelector").path("matchLabels")
                            : object.path("spec").path("selector").path("matchLabels");
            assertThat(deployments.stream().filter(d -> selects(selector, podLabels(d))))
                    .as("Deployments %s selects", Rendered.idOf(object))
                    .extracting(Rendered::nameOf)
                    .containsExactly(Rendered.nameOf(object));
        }
        for (ObjectNode hpa : rendered.ofKind("HorizontalPodAutoscaler")) {
            String target = hpa.path("spec").path("scaleTargetRef").path("name").asText();
            ObjectNode deployment = rendered.get("Deployment", target);
            assertThat(deployment.path("spec").has("replicas"))
                    .as("%s leaves replicas to its autoscaler", Rendered.idOf(deployment))
                    .isFalse();
        }
    }

    @ParameterizedTest
    @FieldSource("dev.anneal.helm.AnnealChart#PROFILES")
    void shouldRouteToARenderedServicePortWhenAnIngressIsRendered(String profile) {
        Rendered rendered = AnnealChart.rendered(profile);
        for (ObjectNode ingress : rendered.ofKind("Ingress")) {
            for (JsonNode rule : ingress.path("spec").path("rules")) {
                for (JsonNode path : rule.path("http").path("paths")) {
                    JsonNode backend = path.path("backend").path("service");
                    ObjectNode service = rendered.get("Service", backend.path("name").asText());
                    assertThat(
                                    elements(service.path("spec").path("ports"))
                                            .map(p -> p.path("name").asText()))
                            .contains(backend.path("port").path("name").asText());
                    assertThat(Rendered.nameOf(service)).endsWith("-api");
                }
            }
        }
        for (ObjectNode monitor : rendered.ofKind("ServiceMonitor")) {
            JsonNode selector = monitor.path("spec").path("selector").path("matchLabels");
            List<ObjectNode> scraped =
                    rendered.ofKind("Service").stream()
                            .filter(s -> selects(selector, s.path("metadata").path("labels")))
                            .toList();
            assertThat(scraped).hasSize(rendered.ofKind("Deployment").size());
            for (JsonNode endpoint : monitor.path("spec").path("endpoints")) {
                assertThat(scraped)
                        .allSatisfy(
                                s ->
                                        assertThat(
                                                        elements(s.path("spec").path("ports"))
                                                                .map(p -> p.path("name").asText()))
                                                .contains(endpoint.path("port").asText()));
            }
        }
    }

    @ParameterizedTest
    @FieldSource("dev.anneal.helm.AnnealChart#PROFILES")
    void shouldReferenceOnlySecretsThatExistWhenProfileIsRendered(String profile) {
        Rendered rendered = AnnealChart.rendered(profile);
        Map<String, Set<String>> available = SecretSources.available(profile, rendered);
        List<String> missing = new ArrayList<>();
        for (ObjectNode object : rendered.objects()) {
            for (SecretSources.Reference reference : SecretSources.references(object)) {
                Set<String> keys = available.get(reference.kind() + "/" + reference.name());
                if (keys == null) {
                    missing.add(reference + ": no such " + reference.kind());
                } else if (reference.key() != null
                        && !keys.contains(SecretSources.ANY_KEY)
                        && !keys.contains(reference.key())) {
                    missing.add(reference + ": no key " + reference.key() + " among " + keys);
                }
            }
        }
        assertThat(missing).as("references in %s", profile).isEmpty();
    }

    @ParameterizedTest
    @FieldSource("dev.anneal.helm.AnnealChart#PROFILES")
    void shouldBoundProbeAndConfineEveryContainerWhenProfileIsRendered(String profile) {
        for (ObjectNode deployment : AnnealChart.rendered(profile).ofKind("Deployment")) {
            JsonNode pod = podSpec(deployment);
            assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean())
                    .as("%s pod runAsNonRoot", Rendered.idOf(deployment))
                    .isTrue();
            assertThat(pod.path("securityContext").path("seccompProfile").path("type").asText())
                    .isEqualTo("RuntimeDefault");
            assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).isFalse();
            for (JsonNode c :
                    Stream.concat(
                                    containers(deployment).stream(),
                                    initContainers(deployment).stream())
                            .toList()) {
                String what = Rendered.idOf(deployment) + " container " + c.path("name").asText();
                assertThat(c.path("resources").path("requests").path("memory").isMissingNode())
                        .as("%s requests memory", what)
                        .isFalse();
                assertThat(c.path("resources").path("limits").path("memory").isMissingNode())
                        .as("%s limits memory", what)
                        .isFalse();
                JsonNode security = c.path("securityContext");
                assertThat(security.path("runAsNonRoot").asBoolean()).as(what).isTrue();
                assertThat(security.path("runAsUser").asInt()).as(what).isPositive();
                assertThat(security.path("readOnlyRootFilesystem").asBoolean()).as(what).isTrue();
                assertThat(security.path("allowPrivilegeEscalation").asBoolean(true))
                        .as(what)
                        .isFalse();
                assertThat(PodTemplates.texts(security.path("capabilities").path("drop")))
                        .as(what)
                        .contains("ALL");
                assertThat(PodTemplates.texts(security.path("capabilities").path("add")))
                        .as(what)
                        .isEmpty();
                assertThat(security.path("seccompProfile").path("type").asText())
                        .as(what)
                        .isEqualTo("RuntimeDefault");
            }
            for (JsonNode c : containers(deployment)) {
                String what = Rendered.idOf(deployment) + " container " + c.path("name").asText();
                for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
                    JsonNode get = c.path(probe).path("httpGet");
                    assertThat(get.path("port").asText())
                            .as("%s %s on the management port", what, probe)
                            .isEqualTo("management");
                }
                assertThat(c.path("livenessProbe").path("httpGet").path("path").asText())
                        .isEqualTo("/q/health/live");
                assertThat(c.path("readinessProbe").path("httpGet").path("path").asText())
                        .isEqualTo("/q/health/ready");
                assertThat(
                                opensPort(
                                        deployment,
                                        c.path("livenessProbe").path("httpGet").path("port")))
                        .isTrue();
            }
        }
    }

    @ParameterizedTest
    @FieldSource("dev.anneal.helm.AnnealChart#PROFILES")
    void shouldWriteOnlyToMountedVolumesWhenTheRootFileSystemIsReadOnly(String profile) {
        for (ObjectNode deployment : AnnealChart.rendered(profile).ofKind("Deployment")) {
            JsonNode c = container(deployment);
            Set<String> volumes = new HashSet<>();
            podSpec(deployment).path("volumes").forEach(v -> volumes.add(v.path("name").asText()));
            Map<String, JsonNode> mounts = new java.util.HashMap<>();
            c.path("volumeMounts").forEach(m -> mounts.put(m.path("mountPath").asText(), m));

            assertThat(mounts.values())
                    .allSatisfy(m -> assertThat(volumes).contains(m.path("name").asText()));
            String dataDir = PodTemplates.env(c, "ANNEAL_DATA_DIR").orElseThrow();
            assertThat(mounts).containsKeys("/tmp", dataDir);
            assertThat(mounts.get(dataDir).path("readOnly").asBoolean()).isFalse();
            String masterKeyFile = PodTemplates.env(c, "ANNEAL_MASTER_KEY_FILE").orElseThrow();
            assertThat(mounts.keySet())
                    .as("the master key file's folder is mounted")
                    .anyMatch(path -> masterKeyFile.startsWith(path + "/"));
            List<String> names = elements(c.path("env")).map(e -> e.path("name").asText()).toList();
            assertThat(names).as("env of %s", Rendered.idOf(deployment)).doesNotHaveDuplicates();
            // the image's natives are unpacked read-only under /opt/anneal/djl; pointing DJL
            // elsewhere would have it extract them again at every start
            assertThat(names).doesNotContain("DJL_CACHE_DIR", "ENGINE_CACHE_DIR");
        }
    }

    @ParameterizedTest
    @FieldSource("dev.anneal.helm.AnnealChart#PROFILES")
    void shouldRunTheAppVersionWhenTheProfileSetsNoTag(String profile) throws IOException {
        String appVersion =
                AnnealChart.YAML
                        .readTree(AnnealChart.dir().resolve("Chart.yaml").toFile())
                        .path("appVersion")
                        .asText();
        ObjectNode values = AnnealChart.values(profile);
        for (ObjectNode deployment : AnnealChart.rendered(profile).ofKind("Deployment")) {
            String role = role(deployment);
            String tag =
                    values.path(role)
                            .path("image")
                            .path("tag")
                            .asText(values.path("image").path("tag").asText(""));
            String expected = tag.isEmpty() ? appVersion : tag;
            assertThat(container(deployment).path("image").asText())
                    .as("image of %s", Rendered.idOf(deployment))
                    .endsWith(":" + expected);
        }
    }

    /** Whether a container of the deployment's pods opens {@code port} (a name or a number). */
    private static boolean opensPort(JsonNode deployment, JsonNode port) {
        return containers(deployment).stream()
                .flatMap(c -> elements(c.path("ports")))
                .anyMatch(
                        p ->
                                port.isInt()
                                        ? p.path("containerPort").asInt() == port.asInt()
                                        : p.path("name").asText().equals(port.asText()));
    }
}
