package dev.anneal.server.feedback;

import static dev.anneal.server.TestApi.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Stored feedback read back through the API (filters, paging), exported as preference datasets with
 * explicit aggregation, used as a DPO job's training file; and kept from other tenants.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class PreferenceDatasetsIT {

    private static String judgement(String chosen, String rejected, String annotator) {
        return """
               {"event_id":"%s","type":"pairwise","created_at":"2026-11-27T14:00:00Z",
                "prompt":[{"role":"user","content":"Say hello"}],
                "chosen":[{"role":"assistant","content":"%s"}],
                "rejected":[{"role":"assistant","content":"%s"}],
                "chosen_model":"model-a","rejected_model":"model-b","annotator_id":"%s"}
               """
                .formatted(FeedbackTestSupport.newEventId(), chosen, rejected, annotator);
    }

    @Test
    void shouldListExportWithAggregationAndTrainADpoJobWhenFeedbackIsStored() throws Exception {
        String key = TestApi.newTenantKey();
        String batch =
                "["
                        + String.join(
                                ",",
                                judgement("Hello!", "Go away.", "ann"),
                                judgement("Go away.", "Hello!", "bob"),
                                judgement("Hello!", "Go away.", "cat"),
                                FeedbackTestSupport.rating(FeedbackTestSupport.newEventId(), 1))
                        + "]";
        as(key).contentType("application/json")
                .body(batch)
                .post("/v1/feedback")
                .then()
                .statusCode(202);
        FeedbackTestSupport.await(
                "four stored judgements",
                () -> {
                    List<Object> data =
                            as(key).get("/v1/feedback?limit=100")
                                    .then()
                                    .extract()
                                    .jsonPath()
                                    .getList("data");
                    return data.size() == 4 ? Optional.of(data) : Optional.empty();
                });

        // filters and paging
        assertThat(listIds(key, "type=pairwise")).hasSize(3);
        assertThat(listIds(key, "annotator_id=bob")).hasSize(1);
        assertThat(listIds(key, "model=model-b")).hasSize(3);
        assertThat(listIds(key, "created_after=2026-11-28T00:00:00Z")).isEmpty();
        JsonPath first =
                as(key).get("/v1/feedback?limit=2").then().statusCode(200).extract().jsonPath();
        assertThat(first.getBoolean("has_more")).isTrue();
        JsonPath second =
                as(key).get("/v1/feedback?limit=2&after=" + first.getString("last_id"))
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath();
        assertThat(second.getList("data")).hasSize(2);
        assertThat(second.getBoolean("has_more")).isFalse();
        as(key).get("/v1/feedback?created_after=yesterday")
                .then()
                .statusCode(400)
                .body("error.param", equalTo("created_after"));

        // majority: one pair, the answer two of three annotators preferred
        JsonPath majority = dataset(key, Map.of("aggregation", "majority", "min_annotators", 3));
        assertThat(majority.getString("format")).isEqualTo("preference");
        assertThat(majority.getInt("line_count")).isEqualTo(1);
        String content =
                as(key).get("/v1/files/" + majority.getString("id") + "/content")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString();
        assertThat(content)
                .contains("\"preferred_output\":[{\"role\":\"assistant\",\"content\":\"Hello!\"}]");
        // all: every judgement, as given
        assertThat(dataset(key, Map.of("filters", Map.of("model", "model-a"))).getInt("line_count"))
                .isEqualTo(3);
        // too strict a majority makes nothing
        as(key).contentType("application/json")
                .body(Map.of("aggregation", "majority", "min_annotators", 4))
                .post("/v1/preference_datasets")
                .then()
                .statusCode(400)
                .body("error.code", equalTo("empty_dataset"));

        // the dataset trains a DPO job
        String job =
                as(key).contentType("application/json")
                        .body(
                                Map.of(
                                        "model", "anneal-nano",
                                        "training_file", majority.getString("id"),
                                        "method", Map.of("type", "dpo")))
                        .post("/v1/fine_tuning/jobs")
                        .then()
                        .statusCode(200)
                        .body("method.type", equalTo("dpo"))
                        .extract()
                        .path("id");
        FeedbackTestSupport.await(
                "the DPO job to succeed",
                () -> {
                    String status =
                            as(key).get("/v1/fine_tuning/jobs/" + job)
                                    .then()
                                    .extract()
                                    .path("status");
                    assertThat(status).isIn("queued", "running", "succeeded");
                    return status.equals("succeeded") ? Optional.of(status) : Optional.empty();
                });

        // another tenant sees none of it
        String stranger = TestApi.newTenantKey();
        assertThat(listIds(stranger, "")).isEmpty();
        as(stranger).get("/v1/feedback/" + first.getString("first_id")).then().statusCode(404);
        as(stranger).get("/v1/files/" + majority.getString("id")).then().statusCode(404);
        as(stranger)
                .contentType("application/json")
                .body(Map.of())
                .post("/v1/preference_datasets")
                .then()
                .statusCode(400)
                .body("error.code", equalTo("empty_dataset"));
        as(key).get("/v1/feedback/" + first.getString("first_id")).then().statusCode(200);
    }

    private static List<String> listIds(String key, String query) {
        return as(key).get("/v1/feedback?limit=100&" + query)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("data.id", String.class);
    }

    private static JsonPath dataset(String key, Map<String, Object> body) {
        return as(key).contentType("application/json")
                .body(body)
                .post("/v1/preference_datasets")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }
}
