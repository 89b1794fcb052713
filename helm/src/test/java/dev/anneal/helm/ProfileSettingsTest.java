package dev.anneal.helm;

import static dev.anneal.helm.PodTemplates.container;
import static dev.anneal.helm.PodTemplates.env;
import static dev.anneal.helm.PodTemplates.envVar;
import static dev.anneal.helm.PodTemplates.podSpec;
import static dev.anneal.helm.PodTemplates.texts;
import static dev.anneal.helm.PodTemplates.volume;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What each profile is for: the settings and objects that make it what it says it is. */
class ProfileSettingsTest {

    private static JsonNode pod(String profile, String role) {
        return container(AnnealChart.rendered(profile).get("Deployment", "anneal-" + role));
    }

    private static JsonNode deployment(String profile, String role) {
        return AnnealChart.rendered(profile).get("Deployment", "anneal-" + role);
    }

    private static String secretOf(JsonNode container, String name) {
        JsonNode ref = envVar(container, name).orElseThrow().path("valueFrom").path("secretKeyRef");
        return ref.path("name").asText() + "[" + ref.path("key").asText() + "]";
    }

    @Nested
    class Defaults {

        @Test
        void shouldReachTheExternalServicesNamedInValuesWhenNothingIsSet() {
            JsonNode api = pod("defaults", "api");

            assertThat(env(api, "ANNEAL_DB_URL"))
                    .hasValue("jdbc:postgresql://postgresql:5432/anneal");
            assertThat(env(api, "ANNEAL_KAFKA_BOOTSTRAP_SERVERS")).hasValue("kafka:9092");
            assertThat(env(api, "ANNEAL_KAFKA_CREATE_TOPICS")).hasValue("true");
            assertThat(env(api, "ANNEAL_BLOB_STORE")).hasValue("s3");
            assertThat(env(api, "ANNEAL_S3_BUCKET")).hasValue("anneal");
            assertThat(envVar(api, "ANNEAL_S3_ACCESS_KEY_ID")).as("SDK default chain").isEmpty();
            assertThat(secretOf(api, "ANNEAL_DB_PASSWORD")).isEqualTo("anneal-db[password]");
        }

        @Test
        void shouldBudgetJobsByTheTunersMemoryWhenTheApiAdmitsThem() {
            long fourFifthsOf16Gi = 16L * 1024 * 1024 * 1024 * 4 / 5;
            for (String role : List.of("api", "serve", "tuner", "feedback")) {
                assertThat(env(pod("defaults", role), "ANNEAL_TUNER_MEMORY"))
                        .as(role)
                        .hasValue(String.valueOf(fourFifthsOf16Gi));
            }
            assertThat(env(pod("accelerators", "api"), "ANNEAL_TUNER_MEMORY")).hasValue("48G");
        }

        @Test
        void shouldForwardCompletionsToTheServeServiceWhenTheApiRoleRuns() {
            assertThat(env(pod("defaults", "api"), "ANNEAL_SERVE_URL"))
                    .hasValue("http://anneal-serve:8080");
            assertThat(envVar(pod("defaults", "serve"), "ANNEAL_SERVE_URL")).isEmpty();
        }

        @Test
        void shouldServeManagementOnAllInterfacesWhenInAPod() {
            for (String role : List.of("api", "serve", "tuner", "feedback")) {
                assertThat(env(pod("defaults", role), "ANNEAL_MANAGEMENT_HOST"))
                        .hasValue("0.0.0.0");
                assertThat(env(pod("defaults", role), "ANNEAL_MANAGEMENT_PORT")).hasValue("9000");
            }
        }

        @Test
        void shouldGiveTheTunerLongerToStopWhenItMayBeWritingACheckpoint() {
            int tuner =
                    podSpec(deployment("defaults", "tuner"))
                            .path("terminationGracePeriodSeconds")
                            .asInt();

            assertThat(tuner).isEqualTo(300);
            for (String role : List.of("api", "serve", "feedback")) {
                assertThat(
                                podSpec(deployment("defaults", role))
                                        .path("terminationGracePeriodSeconds")
                                        .asInt())
                        .isLessThan(tuner);
            }
            assertThat(env(pod("defaults", "tuner"), "ANNEAL_TUNER_WORK_DIR"))
                    .hasValue("/var/lib/anneal/work");
            assertThat(
                            volume(deployment("defaults", "tuner"), "work")
                                    .orElseThrow()
                                    .path("emptyDir")
                                    .path("sizeLimit")
                                    .asText())
                    .isEqualTo("50Gi");
        }

        @Test
        void shouldLetOnlyTheIngressControllerAndTheApiInWhenPoliciesAreOn() {
            Rendered rendered = AnnealChart.rendered("defaults");
            JsonNode api = rendered.get("NetworkPolicy", "anneal-api").path("spec").path("ingress");
            JsonNode serve =
                    rendered.get("NetworkPolicy", "anneal-serve").path("spec").path("ingress");
            JsonNode tuner =
                    rendered.get("NetworkPolicy", "anneal-tuner").path("spec").path("ingress");

            assertThat(
                            api.get(0)
                                    .path("from")
                                    .get(0)
                                    .path("namespaceSelector")
                                    .path("matchLabels")
                                    .path("kubernetes.io/metadata.name")
                                    .asText())
                    .isEqualTo("ingress-nginx");
            assertThat(api.get(0).path("ports").get(0).path("port").asText()).isEqualTo("http");
            assertThat(
                            serve.get(0)
                                    .path("from")
                                    .get(0)
                                    .path("podSelector")
                                    .path("matchLabels")
                                    .path("app.kubernetes.io/component")
                                    .asText())
                    .isEqualTo("api");
            assertThat(serve.get(0).path("ports").get(0).path("port").asText()).isEqualTo("http");
            assertThat(tuner).hasSize(1);
            assertThat(tuner.get(0).path("ports").get(0).path("port").asText())
                    .isEqualTo("management");
            assertThat(
                            tuner.get(0)
                                    .path("from")
                                    .get(0)
                                    .path("namespaceSelector")
                                    .path("matchLabels")
                                    .path("kubernetes.io/metadata.name")
                                    .asText())
                    .isEqualTo("monitoring");
        }
    }

    @Nested
    class ExternalExistingSecrets {

        @Test
        void shouldReadEveryCredentialFromTheNamedSecretsWhenTheyExist() {
            JsonNode api = pod("external-existing-secrets", "api");

            assertThat(secretOf(api, "ANNEAL_ADMIN_KEY")).isEqualTo("anneal-admin-key[admin-key]");
            assertThat(secretOf(api, "ANNEAL_DB_USER")).isEqualTo("anneal-db[username]");
            assertThat(secretOf(api, "ANNEAL_DB_PASSWORD")).isEqualTo("anneal-db[password]");
            assertThat(secretOf(api, "ANNEAL_KAFKA_SASL_PASSWORD"))
                    .isEqualTo("anneal-kafka[password]");
            assertThat(secretOf(api, "ANNEAL_KAFKA_SSL_TRUSTSTORE_PASSWORD"))
                    .isEqualTo("anneal-kafka-ca[truststore-password]");
            assertThat(secretOf(api, "ANNEAL_S3_ACCESS_KEY_ID"))
                    .isEqualTo("anneal-s3[AWS_ACCESS_KEY_ID]");
            assertThat(secretOf(api, "ANNEAL_S3_SECRET_ACCESS_KEY"))
                    .isEqualTo("anneal-s3[AWS_SECRET_ACCESS_KEY]");
            assertThat(env(api, "ANNEAL_KAFKA_SSL_TRUSTSTORE_LOCATION"))
                    .hasValue("/etc/anneal/kafka-truststore/truststore.p12");
            assertThat(env(api, "ANNEAL_KAFKA_SSL_TRUSTSTORE_TYPE")).hasValue("PKCS12");
            assertThat(env(api, "ANNEAL_DB_URL"))
                    .hasValueSatisfying(
                            url ->
                                    assertThat(url)
                                            .startsWith(
                                                    "jdbc:postgresql://pg.databases.svc.cluster.local:5432/anneal?sslmode=verify-full"));
            assertThat(
                            volume(deployment("external-existing-secrets", "api"), "master-key")
                                    .orElseThrow()
                                    .path("secret")
                                    .path("secretName")
                                    .asText())
                    .isEqualTo("anneal-master-key");
        }
    }

    @Nested
    class Operators {

        private final Rendered rendered = AnnealChart.rendered("operators");

        @Test
        void shouldRenderAKRaftKafkaWithAControllerAndBrokerPoolWhenStrimziIsTheOperator() {
            ObjectNode kafka = rendered.get("Kafka", "anneal-kafka");
            ObjectNode pool = rendered.get("KafkaNodePool", "anneal-kafka-pool");

            assertThat(kafka.path("metadata").path("annotations").path("strimzi.io/kraft").asText())
                    .isEqualTo("enabled");
            assertThat(
                            kafka.path("metadata")
                                    .path("annotations")
                                    .path("strimzi.io/node-pools")
                                    .asText())
                    .isEqualTo("enabled");
            JsonNode listener = kafka.path("spec").path("kafka").path("listeners").get(0);
            assertThat(listener.path("tls").asBoolean()).isTrue();
            assertThat(listener.path("authentication").path("type").asText())
                    .isEqualTo("scram-sha-512");
            assertThat(kafka.path("spec").path("kafka").path("authorization").path("type").asText())
                    .isEqualTo("simple");
            assertThat(pool.path("metadata").path("labels").path("strimzi.io/cluster").asText())
                    .isEqualTo("anneal-kafka");
            assertThat(texts(pool.path("spec").path("roles")))
                    .containsExactly("controller", "broker");
            assertThat(pool.path("spec").path("replicas").asInt()).isEqualTo(3);
        }

        @Test
        void shouldDeclareTheProductsTopicsWhenStrimziOwnsThem() {
            Map<String, JsonNode> topics = new TreeMap<>();
            rendered.ofKind("KafkaTopic")
                    .forEach(t -> topics.put(t.path("spec").path("topicName").asText(), t));

            assertThat(topics)
                    .containsOnlyKeys(
                            "tuning.job-events",
                            "feedback.preferences",
                            "feedback.preferences.dlq");
            for (JsonNode topic : topics.values()) {
                JsonNode spec = topic.path("spec");
                assertThat(spec.path("partitions").asInt()).isEqualTo(6);
                assertThat(spec.path("replicas").asInt()).isEqualTo(3);
                assertThat(spec.path("config").path("min.insync.replicas").asInt()).isEqualTo(2);
                assertThat(spec.path("config").path("retention.ms").asLong())
                        .isEqualTo(168L * 3600 * 1000);
                assertThat(
                                topic.path("metadata")
                                        .path("labels")
                                        .path("strimzi.io/cluster")
                                        .asText())
                        .isEqualTo("anneal-kafka");
            }
            assertThat(
                            topics.get("feedback.preferences.dlq")
                                    .path("spec")
                                    .path("config")
                                    .path("max.message.bytes")
                                    .asInt())
                    .isEqualTo(4 * 1024 * 1024);
            assertThat(
                            topics.get("feedback.preferences")
                                    .path("spec")
                                    .path("config")
                                    .has("max.message.bytes"))
                    .isFalse();
        }

        @Test
        void shouldGrantThePlatformWhatItsCodeUsesWhenItsKafkaUserIsRendered() {
            JsonNode spec = rendered.get("KafkaUser", "anneal-platform").path("spec");
            Map<String, List<String>> acls = new TreeMap<>();
            for (JsonNode acl : spec.path("authorization").path("acls")) {
                JsonNode resource = acl.path("resource");
                acls.put(
                        resource.path("type").asText()
                                + ":"
                                + resource.path("name").asText("")
                                + ":"
                                + resource.path("patternType").asText(""),
                        texts(acl.path("operations")));
            }

            assertThat(spec.path("authentication").path("type").asText())
                    .isEqualTo("scram-sha-512");
            assertThat(acls)
                    .containsEntry("topic:feedback.preferences:prefix", List.of("All"))
                    .containsEntry("topic:tuning.job-events:literal", List.of("All"))
                    .containsEntry("group:anneal:prefix", List.of("All"))
                    .containsEntry("transactionalId:anneal:prefix", List.of("All"))
                    .containsKey("cluster::");
            assertThat(acls.get("cluster::"))
                    .contains("Describe", "DescribeConfigs", "Alter", "AlterConfigs");
            assertThat(
                            rendered.get("Kafka", "anneal-kafka")
                                    .path("spec")
                                    .path("entityOperator")
                                    .path("template")
                                    .path("userOperatorContainer")
                                    .path("env")
                                    .get(0)
                                    .path("value")
                                    .asText())
                    .as("the User Operator leaves the tenants' producer users alone")
                    .isEqualTo("^feedback-tenant-.*$");
        }

        @Test
        void shouldConnectThroughTheOperatorsSecretsWhenOperatorsRunTheServices() {
            JsonNode feedback = pod("operators", "feedback");

            assertThat(env(feedback, "ANNEAL_KAFKA_CREATE_TOPICS")).hasValue("false");
            assertThat(env(feedback, "ANNEAL_KAFKA_BOOTSTRAP_SERVERS"))
                    .hasValue("anneal-kafka-kafka-bootstrap:9093");
            assertThat(env(feedback, "ANNEAL_KAFKA_SECURITY_PROTOCOL")).hasValue("SASL_SSL");
            assertThat(env(feedback, "ANNEAL_KAFKA_SASL_MECHANISM")).hasValue("SCRAM-SHA-512");
            assertThat(env(feedback, "ANNEAL_KAFKA_SASL_USERNAME")).hasValue("anneal-platform");
            assertThat(secretOf(feedback, "ANNEAL_KAFKA_SASL_PASSWORD"))
                    .isEqualTo("anneal-platform[password]");
            assertThat(env(feedback, "ANNEAL_KAFKA_SSL_TRUSTSTORE_TYPE")).hasValue("PEM");
            assertThat(
                            volume(deployment("operators", "feedback"), "kafka-truststore")
                                    .orElseThrow()
                                    .path("secret")
                                    .path("secretName")
                                    .asText())
                    .isEqualTo("anneal-kafka-cluster-ca-cert");
            assertThat(env(feedback, "ANNEAL_DB_URL"))
                    .hasValue("jdbc:postgresql://anneal-pg-rw:5432/anneal");
            assertThat(secretOf(feedback, "ANNEAL_DB_USER")).isEqualTo("anneal-pg-app[username]");
            assertThat(secretOf(feedback, "ANNEAL_DB_PASSWORD"))
                    .isEqualTo("anneal-pg-app[password]");
            assertThat(
                            rendered.get("Cluster", "anneal-pg")
                                    .path("spec")
                                    .path("bootstrap")
                                    .path("initdb")
                                    .path("database")
                                    .asText())
                    .isEqualTo("anneal");
            assertThat(rendered.find("Secret", "anneal-db"))
                    .as("no Secret of the chart's for the database")
                    .isEmpty();
        }
    }

    @Nested
    class IngressTlsSso {

        private final Rendered rendered = AnnealChart.rendered("ingress-tls-sso");

        @Test
        void shouldServeTheHostOverTlsWhenTheIngressIsOn() {
            JsonNode spec = rendered.get("Ingress", "anneal").path("spec");

            assertThat(spec.path("ingressClassName").asText()).isEqualTo("nginx");
            assertThat(spec.path("tls").get(0).path("secretName").asText())
                    .isEqualTo("anneal-example-com-tls");
            assertThat(texts(spec.path("tls").get(0).path("hosts")))
                    .containsExactly("anneal.example.com");
            assertThat(spec.path("rules").get(0).path("host").asText())
                    .isEqualTo("anneal.example.com");
        }

        @Test
        void shouldConfigureSingleSignOnOnTheApiOnlyWhenItIsOn() {
            JsonNode api = pod("ingress-tls-sso", "api");

            assertThat(env(api, "ANNEAL_OIDC_AUTH_SERVER_URL"))
                    .hasValue("https://sso.example.com/realms/acme");
            assertThat(env(api, "ANNEAL_OIDC_CLIENT_ID")).hasValue("anneal");
            assertThat(secretOf(api, "ANNEAL_OIDC_CLIENT_SECRET"))
                    .isEqualTo("anneal-oidc[client-secret]");
            assertThat(env(api, "ANNEAL_OIDC_TENANT_CLAIM")).hasValue("anneal_tenant");
            assertThat(env(api, "ANNEAL_OIDC_ADMIN_CLAIM")).hasValue("groups");
            assertThat(env(api, "ANNEAL_OIDC_ADMIN_VALUE")).hasValue("anneal-admin");
            for (String role : List.of("serve", "tuner", "feedback")) {
                assertThat(envVar(pod("ingress-tls-sso", role), "ANNEAL_OIDC_AUTH_SERVER_URL"))
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

    @Nested
    class Accelerators {

        @Test
        void shouldPlaceTunerAndServeOnGpuNodesWhenTheyAskForGpus() {
            for (String role : List.of("tuner", "serve")) {
                JsonNode deployment = deployment("accelerators", role);
                JsonNode container = container(deployment);

                assertThat(
                                container
                                        .path("resources")
                                        .path("limits")
                                        .path("nvidia.com/gpu")
                                        .asInt())
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
            assertThat(envVar(pod("accelerators", "feedback"), "ANNEAL_MODELS_DIR")).isEmpty();
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
            assertThat(env(pod("accelerators", "serve"), "ANNEAL_SERVE_MODELS"))
                    .hasValue("llama-3.2-1b-instruct");
        }
    }

    @Nested
    class ExtraEnvironment {

        @TempDir Path dir;

        @Test
        void shouldReplaceTheChartsSettingInPlaceWhenExtraEnvNamesIt() throws IOException {
            Path values = dir.resolve("values.yaml");
            Files.writeString(
                    values,
                    """
                    extraEnv:
                      - {name: ANNEAL_LOG_JSON, value: "false"}
                      - {name: ANNEAL_FILES_MAX_BYTES, value: 1G}
                    api:
                      extraEnv:
                        - {name: ANNEAL_FILES_MAX_BYTES, value: 2G}
                    """);
            Rendered rendered = Rendered.parse(AnnealChart.template(values));
            JsonNode api = container(rendered.get("Deployment", "anneal-api"));
            JsonNode tuner = container(rendered.get("Deployment", "anneal-tuner"));
            List<String> names =
                    PodTemplates.elements(api.path("env"))
                            .map(e -> e.path("name").asText())
                            .toList();

            assertThat(env(api, "ANNEAL_LOG_JSON")).hasValue("false");
            assertThat(names.indexOf("ANNEAL_LOG_JSON"))
                    .as("kept in place")
                    .isLessThan(names.indexOf("ANNEAL_DB_URL"));
            assertThat(env(api, "ANNEAL_FILES_MAX_BYTES")).as("the role's wins").hasValue("2G");
            assertThat(env(tuner, "ANNEAL_FILES_MAX_BYTES")).hasValue("1G");
        }
    }
}
