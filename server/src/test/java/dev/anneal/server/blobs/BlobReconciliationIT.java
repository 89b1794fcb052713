package dev.anneal.server.blobs;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.management;
import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import dev.anneal.store.UnitOfWork;
import dev.anneal.store.blob.BlobKey;
import dev.anneal.store.blob.BlobStore;
import dev.anneal.store.blob.PendingBlob;
import dev.anneal.store.tenant.TenantKeyRing;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A blob no record names (a crash between writing it and recording it) is deleted once past the
 * grace period; a blob a record names is kept; a record whose blob is missing is counted.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class BlobReconciliationIT {

    @Inject BlobStore blobs;
    @Inject TenantKeyRing keyRing;
    @Inject BlobReconciliation reconciliation;

    @Test
    void shouldDeleteOrphanedBlobsKeepNamedOnesAndCountRecordsWithoutBlobs() throws Exception {
        String tenant = TestApi.newTenant();
        String key = TestApi.newKey(tenant);
        String kept = TestApi.uploadChat(key);
        String lost = TestApi.uploadChat(key);
        BlobKey orphan = new BlobKey(tenant, "file-orphaned-by-a-crash");
        try (PendingBlob blob =
                blobs.create(orphan, UnitOfWork.call(() -> keyRing.dataKeyOf(tenant)))) {
            blob.output().write("{\"secret\": 1}\n".getBytes(StandardCharsets.UTF_8));
            blob.output().close();
            blob.commit();
        }
        blobs.delete(new BlobKey(tenant, lost));

        // a cutoff in the future: every blob is past its grace period
        BlobReconciliation.Result result = reconciliation.reconcile(Instant.now().plusSeconds(60));

        assertThat(blobs.exists(orphan)).isFalse();
        assertThat(result.orphansDeleted()).isGreaterThanOrEqualTo(1);
        assertThat(result.recordsWithoutBlob()).isGreaterThanOrEqualTo(1);
        as(key).get("/v1/files/" + kept + "/content").then().statusCode(200);
        assertThat(management().get("/q/metrics").asString())
                .contains("anneal_blobs_orphaned_deleted_total")
                .contains("anneal_blobs_records_without_blob_total");
    }
}
