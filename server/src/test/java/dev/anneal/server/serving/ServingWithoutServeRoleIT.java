package dev.anneal.server.serving;

import static dev.anneal.server.TestApi.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A process without the {@code serve} role ({@code anneal.roles=api}) refuses completions with 503
 * {@code serving_unavailable}, so that a load balancer sends them elsewhere, while the rest of the
 * API still answers.
 *
 * <p>A test profile: one more application start for the suite.
 */
@QuarkusTest
@TestProfile(ServingWithoutServeRoleIT.ApiRoleOnly.class)
@WithTestResource(AnnealTestResources.class)
class ServingWithoutServeRoleIT {

    /** The API alone: no serving, no tuner, no feedback consumer. */
    public static class ApiRoleOnly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("anneal.roles", "api");
        }
    }

    @Test
    void shouldAnswerServingUnavailableWhenProcessDoesNotRunServeRole() {
        String key = TestApi.newTenantKey();

        for (var route :
                Map.of(
                                "/v1/chat/completions",
                                Map.of(
                                        "model",
                                        "anneal-nano",
                                        "messages",
                                        List.of(Map.of("role", "user", "content", "Hi"))),
                                "/v1/completions",
                                Map.of("model", "anneal-nano", "prompt", "Hi"))
                        .entrySet()) {
            JsonPath error =
                    as(key).contentType("application/json")
                            .body(route.getValue())
                            .post(route.getKey())
                            .then()
                            .statusCode(503)
                            .extract()
                            .jsonPath();
            assertThat(error.getString("error.code"))
                    .as(route.getKey())
                    .isEqualTo("serving_unavailable");
            assertThat(error.getString("error.message")).contains("serve");
        }
        as(key).get("/v1/models").then().statusCode(200);
    }
}
