package dev.anneal.server.keys;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.asAdmin;
import static dev.anneal.server.TestApi.newKey;
import static dev.anneal.server.TestApi.newTenant;
import static dev.anneal.server.TestApi.uploadChat;
import static dev.anneal.server.feedback.FeedbackTestSupport.awaitReadable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import dev.anneal.server.AnnealTestResources;
import dev.anneal.store.blob.BlobKey;
import dev.anneal.store.blob.BlobStore;
import dev.anneal.store.crypto.BlobIntegrityException;
import dev.anneal.store.tenant.TenantKeyRing;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Rotating a tenant's data key: what is written afterwards is encrypted under the new key only,
 * what was written before stays readable (files and sealed feedback), and judgements given before
 * and after group together in a majority export.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class DataKeyRotationIT {

    @Inject BlobStore blobs;
    @Inject TenantKeyRing keyRing;

    @Test
    void shouldWriteUnderTheNewKeyAndKeepReadingWhatTheOldOneEncrypted() throws Exception {
        String tenant = newTenant();
        String key = newKey(tenant);
        String before = uploadChat(key);
        String judgedBefore = judge(key, "ann-1");

        asAdmin()
                .post("/v1/admin/tenants/" + tenant + "/rotate_data_key")
                .then()
                .statusCode(200)
                .body("data_keys", equalTo(2));
        String after = uploadChat(key);
        String judgedAfter = judge(key, "ann-2");
        awaitReadable(key, judgedBefore);
        awaitReadable(key, judgedAfter);

        as(key).get("/v1/files/" + before + "/content").then().statusCode(200);
        as(key).get("/v1/files/" + after + "/content").then().statusCode(200);
        as(key).get("/v1/feedback/" + judgedBefore)
                .then()
                .statusCode(200)
                .body("chosen[0].content", equalTo("Hello!"));
        // the new key opens the new blob only
        try (InputStream in = blobs.open(new BlobKey(tenant, after), keyRing.dataKeyOf(tenant))) {
            in.readAllBytes();
        }
        assertThatThrownBy(
                        () -> {
                            try (InputStream in =
                                    blobs.open(
                                            new BlobKey(tenant, before),
                                            keyRing.dataKeyOf(tenant))) {
                                in.readAllBytes();
                            }
                        })
                .isInstanceOf(BlobIntegrityException.class);
        // one judgement under each key, same texts: one pair with two annotators
        assertThat(
                        as(key).contentType("application/json")
                                .body(Map.of("aggregation", "majority", "min_annotators", 2))
                                .post("/v1/preference_datasets")
                                .then()
                                .statusCode(200)
                                .extract()
                                .jsonPath()
                                .getInt("line_count"))
                .isEqualTo(1);
        // another tenant's id answers 404
        asAdmin()
                .post("/v1/admin/tenants/tenant-000000000000000000000000/rotate_data_key")
                .then()
                .statusCode(404);
    }

    private static String judge(String key, String annotator) {
        String eventId = UUID.randomUUID().toString();
        as(key).contentType("application/json")
                .body(
                        """
                        {"event_id":"%s","type":"pairwise",
                         "prompt":[{"role":"user","content":"Hi"}],
                         "chosen":[{"role":"assistant","content":"Hello!"}],
                         "rejected":[{"role":"assistant","content":"Go away."}],
                         "chosen_model":"anneal-nano","rejected_model":"anneal-nano",
                         "annotator_id":"%s"}
                        """
                                .formatted(eventId, annotator))
                .post("/v1/feedback")
                .then()
                .statusCode(202);
        return eventId;
    }
}
