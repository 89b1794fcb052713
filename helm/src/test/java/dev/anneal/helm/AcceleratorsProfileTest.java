package dev.anneal.helm;

import static dev.anneal.helm.PodTemplates.container;
import static dev.anneal.helm.PodTemplates.deployment;
import static dev.anneal.helm.PodTemplates.env;
import static dev.anneal.helm.PodTemplates.envVar;
import static dev.anneal.helm.PodTemplates.podSpec;
import static dev.anneal.helm.PodTemplates.roleContainer;
import static dev.anneal.helm.PodTemplates.volume;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The {@code accelerators} profile: tuner and serve on GPU nodes with a CUDA build of the image.
 */
class AcceleratorsProfileTest {

    @Test
    void shouldPlaceTunerAndServeOnGpuNodesWhenTheyAskForGpus() {
        for (String role : List.of("tuner", "serve")) {
            JsonNode deployment = deployment("accelerators", role);
            JsonNode container = container(deployment);

            assertThat(container.path("resources").path("limits").path("nvidia.com/gpu").asInt())
                    .as(role)
                    .isEqualTo(1);
            assertThat(container.path("image").asText())
                    .isEqualTo("anneal/anneal:0.1.0-SNAPSHOT-cu124");
            assertThat(env(container, "PYTORCH_FLAVOR")).hasValue("cu124");
            assertThat(env(container, "PYTORCH_LIBRARY_PATH")).hasValue("/opt/libtorch/lib");
            assertThat(
                            podSpec(deployment)
                                    .path("nodeSelector")
                                    .path("node.kubernetes.io/instance-type")
                                    .asText())
                    .startsWith("g5.");
            assertThat(
                            PodTemplates.elements(podSpec(deployment).path("tolerations"))
                                    .map(t -> t.path("key").asText()))
                    .contains("nvidia.com/gpu", "dedicated");
            assertThat(env(container, "ANNEAL_MODELS_DIR")).hasValue("/models");
            assertThat(
                            volume(deployment, "models")
                                    .orElseThrow()
                                    .path("persistentVolumeClaim")
                                    .path("claimName")
                                    .asText())
                    .isEqualTo("base-models");
        }
        JsonNode api = container(deployment("accelerators", "api"));
        assertThat(api.path("image").asText()).isEqualTo("anneal/anneal:0.1.0-SNAPSHOT");
        assertThat(api.path("resources").path("limits").has("nvidia.com/gpu")).isFalse();
        assertThat(envVar(roleContainer("accelerators", "feedback"), "ANNEAL_MODELS_DIR"))
                .isEmpty();
    }

    @Test
    void shouldGiveTheTunerItsOwnWorkVolumeWhenEphemeralStorageIsAsked() {
        JsonNode work = volume(deployment("accelerators", "tuner"), "work").orElseThrow();

        assertThat(
                        work.path("ephemeral")
                                .path("volumeClaimTemplate")
                                .path("spec")
                                .path("storageClassName")
                                .asText())
                .isEqualTo("local-nvme");
        assertThat(
                        podSpec(deployment("accelerators", "tuner"))
                                .path("terminationGracePeriodSeconds")
                                .asInt())
                .isEqualTo(600);
        assertThat(env(roleContainer("accelerators", "serve"), "ANNEAL_SERVE_MODELS"))
                .hasValue("llama-3.2-1b-instruct");
    }
}
