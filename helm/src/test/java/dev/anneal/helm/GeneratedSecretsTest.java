package dev.anneal.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The keys and passwords the chart generates: their form, that each rendering of a first install
 * makes new ones, and that an upgrade keeps those already in the cluster (lookup, played here by
 * {@link FakeKubernetesApi}).
 */
class GeneratedSecretsTest {

    @AfterEach
    void forgetClusterSecrets() {
        FakeKubernetesApi.get().clear();
    }

    @Test
    void shouldGenerateBase64Of32BytesWhenNoMasterKeyIsGiven() {
        JsonNode secret = AnnealChart.rendered("defaults").get("Secret", "anneal-master-key");
        String file = decode(secret.path("data").path("master-key").asText());

        assertThat(Base64.getDecoder().decode(file)).hasSize(32);
        assertThat(
                        secret.path("metadata")
                                .path("annotations")
                                .path("helm.sh/resource-policy")
                                .asText())
                .isEqualTo("keep");
    }

    @Test
    void shouldGenerateAnAdministratorKeyWhenNoneIsGiven() {
        JsonNode secret = AnnealChart.rendered("defaults").get("Secret", "anneal-admin-key");

        assertThat(decode(secret.path("data").path("admin-key").asText()))
                .matches("sk-admin-[A-Za-z0-9]{40}");
    }

    @Test
    void shouldGenerateNewValuesWhenAFirstInstallIsRenderedTwice() {
        Rendered first = Rendered.parse(AnnealChart.template(AnnealChart.profile("defaults")));
        Rendered second = Rendered.parse(AnnealChart.template(AnnealChart.profile("defaults")));

        for (String name : new String[] {"anneal-master-key", "anneal-admin-key", "anneal-db"}) {
            assertThat(first.get("Secret", name).path("data"))
                    .as(name)
                    .isNotEqualTo(second.get("Secret", name).path("data"));
        }
        assertThat(GoldenManifestsTest.masked(first)).isEqualTo(GoldenManifestsTest.masked(second));
    }

    @Test
    void shouldKeepTheClusterValuesWhenTheReleaseIsUpgraded() {
        FakeKubernetesApi cluster = FakeKubernetesApi.get();
        String masterKey = Base64.getEncoder().encodeToString(new byte[32]);
        cluster.putSecret(
                AnnealChart.NAMESPACE, "anneal-master-key", Map.of("master-key", masterKey));
        cluster.putSecret(
                AnnealChart.NAMESPACE, "anneal-admin-key", Map.of("admin-key", "sk-admin-kept"));
        cluster.putSecret(
                AnnealChart.NAMESPACE,
                "anneal-db",
                Map.of("username", "anneal", "password", "kept-password"));

        Rendered upgrade = Rendered.parse(AnnealChart.template(AnnealChart.profile("defaults")));

        assertThat(
                        decode(
                                upgrade.get("Secret", "anneal-master-key")
                                        .path("data")
                                        .path("master-key")
                                        .asText()))
                .isEqualTo(masterKey);
        assertThat(
                        decode(
                                upgrade.get("Secret", "anneal-admin-key")
                                        .path("data")
                                        .path("admin-key")
                                        .asText()))
                .isEqualTo("sk-admin-kept");
        assertThat(
                        decode(
                                upgrade.get("Secret", "anneal-db")
                                        .path("data")
                                        .path("password")
                                        .asText()))
                .isEqualTo("kept-password");
    }

    @Test
    void shouldRenderNoSecretWhenEverySecretExistsAlready() {
        assertThat(AnnealChart.rendered("external-existing-secrets").ofKind("Secret")).isEmpty();
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }
}
