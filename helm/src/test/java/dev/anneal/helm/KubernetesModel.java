package dev.anneal.helm;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.util.Map;
import java.util.Optional;

/**
 * Kubernetes' typed model (fabric8) used as a strict schema: a rendered object that has a field its
 * class does not know, or a value of the wrong type, fails to parse.
 *
 * <p>fabric8's classes keep unknown fields in an {@code additionalProperties} map through
 * {@code @JsonAnySetter}, which would accept anything; this mapper's introspector ignores that
 * annotation, so that {@link DeserializationFeature#FAIL_ON_UNKNOWN_PROPERTIES} applies at every
 * depth and the error names the field's path.
 */
final class KubernetesModel {

    /** The typed class of each {@code apiVersion/kind} the chart renders, operators' CRs aside. */
    private static final Map<String, Class<?>> TYPES =
            Map.of(
                    "v1/Secret", Secret.class,
                    "v1/Service", Service.class,
                    "v1/ServiceAccount", ServiceAccount.class,
                    "apps/v1/Deployment", Deployment.class,
                    "networking.k8s.io/v1/Ingress", Ingress.class,
                    "networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class,
                    "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
                    "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
                    "monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class);

    static final ObjectMapper STRICT =
            JsonMapper.builder()
                    .annotationIntrospector(
                            new JacksonAnnotationIntrospector() {
                                @Override
                                public Boolean hasAnySetter(Annotated annotated) {
                                    return Boolean.FALSE;
                                }
                            })
                    .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .enable(DeserializationFeature.FAIL_ON_IGNORED_PROPERTIES)
                    .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                    .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                    .build();

    private KubernetesModel() {}

    static String typeOf(JsonNode object) {
        return object.path("apiVersion").asText() + "/" + object.path("kind").asText();
    }

    /** The typed class for {@code object}'s apiVersion and kind, if Kubernetes' model has one. */
    static Optional<Class<?>> typedClass(JsonNode object) {
        return Optional.ofNullable(TYPES.get(typeOf(object)));
    }

    /**
     * Parses {@code node} strictly as {@code type}.
     *
     * @throws com.fasterxml.jackson.core.JsonProcessingException naming the unknown or mistyped
     *     field
     */
    static <T> T parse(JsonNode node, Class<T> type)
            throws com.fasterxml.jackson.core.JsonProcessingException {
        return STRICT.treeToValue(node, type);
    }
}
