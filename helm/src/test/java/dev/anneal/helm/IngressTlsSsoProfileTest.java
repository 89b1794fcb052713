package dev.anneal.helm;

import static dev.anneal.helm.PodTemplates.env;
import static dev.anneal.helm.PodTemplates.envVar;
import static dev.anneal.helm.PodTemplates.roleContainer;
import static dev.anneal.helm.PodTemplates.secretKeyRef;
import static dev.anneal.helm.PodTemplates.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code ingress-tls-sso} profile: an Ingress with TLS, single sign-on, an autoscaled api. */
class IngressTlsSsoProfileTest {

    private final Rendered rendered = AnnealChart.rendered("ingress-tls-sso");

    @Test
    void shouldServeTheHostOverTlsWhenTheIngressIsOn() {
        JsonNode spec = rendered.get("Ingress", "anneal").path("spec");

        assertThat(spec.path("ingressClassName").asText()).isEqualTo("nginx");
        assertThat(spec.path("tls").get(0).path("secretName").asText())
                .isEqualTo("anneal-example-com-tls");
        assertThat(texts(spec.path("tls").get(0).path("hosts")))
                .containsExactly("anneal.example.com");
        assertThat(spec.path("rules").get(0).path("host").asText()).isEqualTo("anneal.example.com");
    }

    @Test
    void shouldConfigureSingleSignOnOnTheApiOnlyWhenItIsOn() {
        JsonNode api = roleContainer("ingress-tls-sso", "api");

        assertThat(env(api, "ANNEAL_OIDC_AUTH_SERVER_URL"))
                .hasValue("https://sso.example.com/realms/acme");
        assertThat(env(api, "ANNEAL_OIDC_CLIENT_ID")).hasValue("anneal");
        assertThat(secretKeyRef(api, "ANNEAL_OIDC_CLIENT_SECRET"))
                .isEqualTo("anneal-oidc[client-secret]");
        assertThat(env(api, "ANNEAL_OIDC_TENANT_CLAIM")).hasValue("anneal_tenant");
        assertThat(env(api, "ANNEAL_OIDC_ADMIN_CLAIM")).hasValue("groups");
        assertThat(env(api, "ANNEAL_OIDC_ADMIN_VALUE")).hasValue("anneal-admin");
        for (String role : List.of("serve", "tuner", "feedback")) {
            assertThat(
                            envVar(
                                    roleContainer("ingress-tls-sso", role),
                                    "ANNEAL_OIDC_AUTH_SERVER_URL"))
                    .isEmpty();
        }
        assertThat(env(api, "QUARKUS_HTTP_PROXY_TRUSTED_PROXIES")).hasValue("10.0.0.0/8");
    }

    @Test
    void shouldScaleTheApiOnCpuAndMemoryWhenAutoscaled() {
        JsonNode hpa = rendered.get("HorizontalPodAutoscaler", "anneal-api").path("spec");

        assertThat(hpa.path("minReplicas").asInt()).isEqualTo(2);
        assertThat(hpa.path("maxReplicas").asInt()).isEqualTo(8);
        assertThat(hpa.path("metrics")).hasSize(2);
    }
}
