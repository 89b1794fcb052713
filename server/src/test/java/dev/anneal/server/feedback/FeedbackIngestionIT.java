package dev.anneal.server.feedback;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.management;
import static dev.anneal.server.feedback.FeedbackTestSupport.await;
import static dev.anneal.server.feedback.FeedbackTestSupport.count;
import static dev.anneal.server.feedback.FeedbackTestSupport.newEventId;
import static dev.anneal.server.feedback.FeedbackTestSupport.pairwise;
import static dev.anneal.server.feedback.FeedbackTestSupport.rating;
import static dev.anneal.server.feedback.FeedbackTestSupport.stored;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import dev.anneal.store.UnitOfWork;
import dev.anneal.store.feedback.FeedbackRow;
import dev.anneal.store.feedback.PreferenceFeedback;
import dev.anneal.store.feedback.PreferenceFeedbackRepository;
import dev.anneal.store.tenant.CurrentTenant;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/feedback} through Kafka into PostgreSQL: single records and batches stored,
 * repeats stored once, a batch with one bad record refused whole, the tenant taken from the key.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class FeedbackIngestionIT {

    @Inject CurrentTenant currentTenant;
    @Inject PreferenceFeedbackRepository feedback;

    @Test
    void shouldStoreEveryRecordWhenSentAloneOrInABatch() throws Exception {
        String tenant = TestApi.newTenant();
        String key = TestApi.newKey(tenant);
        String single = newEventId();
        String first = newEventId();
        String second = newEventId();

        post(key, pairwise(single))
                .statusCode(202)
                .body("object", equalTo("list"))
                .body("data.event_id", contains(single))
                .body("data[0].object", equalTo("feedback"));
        post(key, "[" + rating(first, 1) + "," + pairwise(second) + "]")
                .statusCode(202)
                .body("data.event_id", contains(first, second))
                .body("first_id", equalTo(first))
                .body("last_id", equalTo(second));

        PreferenceFeedback pair = awaitStored(tenant, single);
        assertThat(pair.type()).isEqualTo("pairwise");
        assertThat(pair.chosen()).isEqualTo("[{\"role\":\"assistant\",\"content\":\"Hello!\"}]");
        assertThat(pair.chosenModel()).isEqualTo("anneal-nano");
        assertThat(pair.metadata()).isEqualTo("{\"ui\":\"test\"}");
        PreferenceFeedback thumbs = awaitStored(tenant, first);
        assertThat(thumbs.score()).isEqualTo(1.0);
        assertThat(thumbs.chosen()).isNull();
        awaitStored(tenant, second);
        assertThat(count(currentTenant, feedback, tenant)).isEqualTo(3);
    }

    @Test
    void shouldStoreOnceWhenAnEventIdIsRepeated() throws Exception {
        String tenant = TestApi.newTenant();
        String key = TestApi.newKey(tenant);
        String repeated = newEventId();
        String fence = newEventId();

        post(key, pairwise(repeated)).statusCode(202);
        post(key, "[" + pairwise(repeated) + "," + pairwise(repeated) + "]").statusCode(202);
        post(key, pairwise(fence)).statusCode(202);

        // one tenant's records share a partition, so once the last is stored all were read
        awaitStored(tenant, fence);
        assertThat(count(currentTenant, feedback, tenant)).isEqualTo(2);
    }

    @Test
    void shouldRefuseTheWholeBatchWhenOneRecordIsInvalid() throws Exception {
        String tenant = TestApi.newTenant();
        String key = TestApi.newKey(tenant);
        String broken = pairwise(newEventId()).replace("\"chosen\":", "\"chosen_answer\":");

        post(
                        key,
                        "["
                                + pairwise(newEventId())
                                + ","
                                + rating(newEventId(), -1)
                                + ","
                                + broken
                                + "]")
                .statusCode(400)
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.param", equalTo("[2].chosen_answer"));
        post(
                        key,
                        "["
                                + pairwise(newEventId())
                                + ","
                                + pairwise(newEventId()).replace("\"system\"", "\"robot\"")
                                + "]")
                .statusCode(400)
                .body("error.param", equalTo("[1].prompt[0].role"));
        String fence = newEventId();
        post(key, pairwise(fence)).statusCode(202);

        awaitStored(tenant, fence);
        assertThat(count(currentTenant, feedback, tenant)).isEqualTo(1);
    }

    @Test
    void shouldNameTheFieldWhenASingleRecordIsBad() {
        String key = TestApi.newTenantKey();

        post(key, pairwise(newEventId()).replace("\"role\":\"user\"", "\"role\":\"bot\""))
                .statusCode(400)
                .body("error.param", equalTo("prompt[1].role"));
        post(key, rating(newEventId(), 1).replace("\"score\":1", "\"score\":\"up\""))
                .statusCode(400)
                .body("error.param", equalTo("score"));
        post(key, "[]").statusCode(400).body("error.code", equalTo("invalid_batch_size"));
        post(key, "{\"type\":").statusCode(400).body("error.code", equalTo("invalid_json"));
        post(key, "")
                .statusCode(400)
                .body("error.message", containsString("JSON body is required"));
    }

    @Test
    void shouldTakeTheTenantFromTheKeyWhenTheBodyNamesOne() throws Exception {
        String tenant = TestApi.newTenant();
        String key = TestApi.newKey(tenant);
        String other = TestApi.newTenant();
        String own = newEventId();

        post(key, withTenant(pairwise(newEventId()), other))
                .statusCode(400)
                .body("error.param", equalTo("tenant_id"));
        post(key, withTenant(pairwise(own), tenant)).statusCode(202);

        assertThat(awaitStored(tenant, own).tenantId()).isEqualTo(tenant);
    }

    /**
     * The store reports exactly how many rows were new (the consumer's stored and duplicate metrics
     * come from it), repeats within one batch included, and keeps every column as given.
     */
    @Test
    void shouldCountNewRowsExactlyWhenStoringABatch() {
        String tenant = TestApi.newTenant();
        Instant created = Instant.parse("2026-11-27T10:15:30.123456Z");
        FeedbackRow a = row(tenant, "pairwise", created, null);
        FeedbackRow b = row(tenant, "rating", created, -1.0);
        FeedbackRow c = row(tenant, "rating", created, 0.25);

        assertThat(UnitOfWork.call(() -> feedback.storeAll(List.of(a, b)))).isEqualTo(2);
        assertThat(UnitOfWork.call(() -> feedback.storeAll(List.of(a, c, c, b)))).isEqualTo(1);
        assertThat(UnitOfWork.call(() -> feedback.storeAll(List.of()))).isZero();

        assertThat(count(currentTenant, feedback, tenant)).isEqualTo(3);
        PreferenceFeedback pair =
                stored(currentTenant, feedback, tenant, a.eventId().toString()).orElseThrow();
        assertThat(pair.createdAt()).isEqualTo(created);
        assertThat(pair.score()).isNull();
        assertThat(pair.completion()).isNull();
        assertThat(pair.metadata()).isEqualTo("{\"k\":\"a, \\\"quoted\\\" {v}\"}");
        assertThat(
                        stored(currentTenant, feedback, tenant, c.eventId().toString())
                                .orElseThrow()
                                .score())
                .isEqualTo(0.25);
    }

    private static FeedbackRow row(String tenant, String type, Instant created, Double score) {
        boolean pairwise = type.equals("pairwise");
        return new FeedbackRow(
                tenant,
                UUID.randomUUID(),
                type,
                created,
                created.plusMillis(5),
                "[{\"role\":\"user\",\"content\":\"Hi\"}]",
                pairwise ? "[{\"role\":\"assistant\",\"content\":\"Hello!\"}]" : null,
                pairwise ? "[{\"role\":\"assistant\",\"content\":\"Go away.\"}]" : null,
                pairwise ? "anneal-nano" : null,
                pairwise ? "anneal-nano" : null,
                pairwise ? null : "[{\"role\":\"assistant\",\"content\":\"Hello!\"}]",
                pairwise ? null : "anneal-nano",
                score,
                null,
                "{\"k\":\"a, \\\"quoted\\\" {v}\"}");
    }

    @Test
    void shouldExposeConsumerMetricsAndHealth() {
        management()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("anneal_feedback_records_stored_total"))
                .body(containsString("anneal_feedback_records_duplicate_total"))
                .body(
                        containsString(
                                "anneal_feedback_records_dead_lettered_total{reason=\"unknown_tenant\"}"))
                .body(containsString("anneal_feedback_consumer_lag"));
        management()
                .get("/q/health/live")
                .then()
                .statusCode(200)
                .body("checks.name", hasItem("feedback-consumer"))
                .body("checks.find { it.name == 'feedback-consumer' }.status", equalTo("UP"));
    }

    private static String withTenant(String record, String tenantId) {
        return record.replaceFirst("\\{", "{\"tenant_id\":\"" + tenantId + "\",");
    }

    private static ValidatableResponse post(String key, String body) {
        return as(key).contentType("application/json").body(body).post("/v1/feedback").then();
    }

    private PreferenceFeedback awaitStored(String tenant, String eventId)
            throws InterruptedException {
        return await(
                "event " + eventId + " to be stored",
                () -> stored(currentTenant, feedback, tenant, eventId));
    }
}
