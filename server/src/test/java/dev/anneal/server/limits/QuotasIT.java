package dev.anneal.server.limits;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.asAdmin;
import static dev.anneal.server.TestApi.chatLine;
import static dev.anneal.server.TestApi.newKey;
import static dev.anneal.server.TestApi.newTenant;
import static dev.anneal.server.TestApi.upload;
import static dev.anneal.server.TestApi.uploadChat;
import static dev.anneal.server.feedback.FeedbackTestSupport.newEventId;
import static dev.anneal.server.feedback.FeedbackTestSupport.pairwise;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.anneal.server.AnnealTestResources;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Quotas per tenant, set by the administrator: past each one a request answers 429 {@code
 * quota_exceeded} (or {@code rate_limit_exceeded} for the request rate) naming it, keeps nothing,
 * and leaves other tenants alone; {@code GET /v1/usage} shows the use against every quota.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class QuotasIT {

    @Test
    void shouldRefuseUploadsPastTheFileAndStorageQuotasKeepingNothing() {
        String tenant = newTenant();
        String key = newKey(tenant);
        setQuotas(tenant, Map.of("files", 2, "stored_bytes", 4096));
        uploadChat(key);
        uploadChat(key);

        refused(upload(key, "third.jsonl", chatLines(1)), "files");
        setQuotas(tenant, Map.of("files", 10));
        refused(upload(key, "big.jsonl", chatLines(100)), "stored_bytes");

        JsonPath usage = usage(key);
        assertThat(usage.getLong("quotas.files.used")).isEqualTo(2);
        assertThat(usage.getLong("quotas.files.limit")).isEqualTo(10);
        assertThat(usage.getBoolean("quotas.files.is_default")).isFalse();
        assertThat(usage.getLong("quotas.stored_bytes.used")).isBetween(1L, 4096L);
        assertThat(as(key).get("/v1/files").then().extract().jsonPath().getList("data")).hasSize(2);
        // another tenant is not bound by this one's quotas
        uploadChat(newKey(newTenant()));
    }

    @Test
    void shouldRefuseAJobPastTheActiveJobsQuota() {
        String tenant = newTenant();
        String key = newKey(tenant);
        String file = uploadChat(key);
        setQuotas(tenant, Map.of("active_jobs", 0));

        Response response =
                as(key).contentType("application/json")
                        .body(Map.of("model", "anneal-nano", "training_file", file))
                        .post("/v1/fine_tuning/jobs");

        refused(response, "active_jobs");
        assertThat(as(key).get("/v1/fine_tuning/jobs").then().extract().jsonPath().getList("data"))
                .isEmpty();
    }

    @Test
    void shouldAcceptFeedbackUpToTheDailyQuotaAllOrNothing() {
        String tenant = newTenant();
        String key = newKey(tenant);
        setQuotas(tenant, Map.of("feedback_per_day", 3));

        postFeedback(key, 2).then().statusCode(202);
        refused(postFeedback(key, 2), "feedback_per_day");
        postFeedback(key, 1).then().statusCode(202);
        refused(postFeedback(key, 1), "feedback_per_day");

        assertThat(usage(key).getLong("quotas.feedback_per_day.used")).isEqualTo(3);
    }

    @Test
    void shouldLimitRequestsPerKeyWithOpenAisHeaders() {
        String tenant = newTenant();
        String key = newKey(tenant);
        setQuotas(tenant, Map.of("requests_per_second", 5));

        List<Response> responses = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            responses.add(as(key).get("/v1/usage"));
        }
        Response first = responses.get(0);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.header("x-ratelimit-limit-requests")).isEqualTo("5");
        assertThat(first.header("x-ratelimit-remaining-requests")).isEqualTo("4");
        assertThat(first.header("x-ratelimit-reset-requests")).endsWith("ms");
        Response limited =
                responses.stream().filter(r -> r.statusCode() == 429).findFirst().orElseThrow();
        assertThat(limited.header("Retry-After")).isEqualTo("1");
        assertThat(limited.header("x-ratelimit-remaining-requests")).isEqualTo("0");
        assertThat(limited.jsonPath().getString("error.code")).isEqualTo("rate_limit_exceeded");
        assertThat(limited.jsonPath().getString("error.type")).isEqualTo("requests");
        // another key of the same tenant has its own bucket
        as(newKey(tenant)).get("/v1/usage").then().statusCode(200);
    }

    @Test
    void shouldSetCheckAndResetQuotasAsTheAdministrator() {
        String tenant = newTenant();
        setQuotas(tenant, Map.of("files", 7)).then().body("quotas.files", equalTo(7));

        asAdmin()
                .contentType("application/json")
                .body(Map.of("quotas", Map.of("bogus", 1)))
                .patch("/v1/admin/tenants/" + tenant)
                .then()
                .statusCode(400)
                .body("error.param", equalTo("quotas.bogus"));
        asAdmin()
                .contentType("application/json")
                .body(Map.of("quotas", Map.of("requests_per_second", 0)))
                .patch("/v1/admin/tenants/" + tenant)
                .then()
                .statusCode(400)
                .body("error.param", equalTo("quotas.requests_per_second"));
        asAdmin()
                .contentType("application/json")
                .body("{\"quotas\":{\"files\":null}}")
                .patch("/v1/admin/tenants/" + tenant)
                .then()
                .statusCode(200)
                .body("quotas.files", equalTo(10000));
        asAdmin()
                .contentType("application/json")
                .body("{\"quotas\":{}}")
                .patch("/v1/admin/tenants/tenant-unknown")
                .then()
                .statusCode(404);

        asAdmin()
                .get("/v1/admin/tenants/" + tenant + "/usage")
                .then()
                .statusCode(200)
                .body("tenant_id", equalTo(tenant))
                .body("quotas.files.is_default", equalTo(true));
        List<String> listed =
                asAdmin()
                        .get("/v1/admin/usage")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getList("data.tenant_id");
        assertThat(listed).contains(tenant);
        // a tenant's key reaches neither
        as(newKey(tenant)).get("/v1/admin/usage").then().statusCode(403);
    }

    private static Response setQuotas(String tenant, Map<String, Object> quotas) {
        Response response =
                asAdmin()
                        .contentType("application/json")
                        .body(Map.of("quotas", quotas))
                        .patch("/v1/admin/tenants/" + tenant);
        response.then().statusCode(200);
        return response;
    }

    private static void refused(Response response, String quota) {
        response.then()
                .statusCode(429)
                .body("error.type", equalTo("insufficient_quota"))
                .body("error.code", equalTo("quota_exceeded"))
                .body("error.param", equalTo(quota))
                .body("error.message", containsString(quota));
    }

    private static JsonPath usage(String key) {
        return as(key).get("/v1/usage").then().statusCode(200).extract().jsonPath();
    }

    private static Response postFeedback(String key, int records) {
        List<String> batch = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            batch.add(pairwise(newEventId()));
        }
        return as(key).contentType("application/json")
                .body("[" + String.join(",", batch) + "]")
                .post("/v1/feedback");
    }

    private static String chatLines(int lines) {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            jsonl.append(chatLine("line " + i)).append('\n');
        }
        return jsonl.toString();
    }
}
