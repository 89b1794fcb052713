package dev.anneal.server.serving;

import static dev.anneal.server.TestApi.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import dev.anneal.server.jobs.JobTestSupport;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Serving rules seen through HTTP: a fine-tuned model deleted through {@code DELETE
 * /v1/models/{id}} is no longer served from the next request on, even though it was just served
 * (and so sits in the adapter cache). The other rule, no completions without the {@code serve}
 * role, needs another configuration and so another class: {@link ServingWithoutServeRoleIT}.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class ServingRulesIT {

    @Test
    void shouldAnswerModelNotFoundWhenFineTunedModelWasDeletedAfterServing() throws Exception {
        String key = TestApi.newTenantKey();
        String model = JobTestSupport.trainTinyLora(key, JobTestSupport.registerStories260K());
        Map<String, Object> request =
                Map.of(
                        "model",
                        model,
                        "messages",
                        List.of(Map.of("role", "user", "content", "Tell me about Lily.")),
                        "max_tokens",
                        4);
        chat(key, request).then().statusCode(200);

        as(key).delete("/v1/models/" + model).then().statusCode(200);

        JsonPath error = chat(key, request).then().statusCode(404).extract().jsonPath();
        assertThat(error.getString("error.code")).isEqualTo("model_not_found");
        assertThat(error.getString("error.param")).isEqualTo("model");
        as(key).get("/v1/models/" + model).then().statusCode(404);
    }

    private static Response chat(String key, Map<String, Object> request) {
        return as(key).contentType("application/json").body(request).post("/v1/chat/completions");
    }
}
