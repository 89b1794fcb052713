package dev.anneal.server;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.newKey;
import static dev.anneal.server.TestApi.newTenant;
import static dev.anneal.server.TestApi.uploadChat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasSize;

import dev.anneal.store.file.FileRepository;
import dev.anneal.store.tenant.CurrentTenant;
import io.quarkus.arc.Arc;
import io.quarkus.arc.ManagedContext;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Another tenant's file is invisible on every route, indistinguishable from a file that does not
 * exist, and the persistence layer itself refuses to hand it out.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class TenantIsolationIT {

    private static final String MISSING = "file-000000000000000000000000";

    @Inject FileRepository files;
    @Inject CurrentTenant currentTenant;

    private String tenantA;
    private String keyA;
    private String keyB;
    private String fileOfA;

    @BeforeEach
    void twoTenants() {
        tenantA = newTenant();
        keyA = newKey(tenantA);
        keyB = newKey(newTenant());
        fileOfA = uploadChat(keyA);
    }

    @Test
    void shouldAnswerLikeMissingFileWhenRetrievingAnotherTenantsFile() {
        assertSameAsMissing(id -> as(keyB).get("/v1/files/" + id));
    }

    @Test
    void shouldAnswerLikeMissingFileWhenDownloadingAnotherTenantsFile() {
        assertSameAsMissing(id -> as(keyB).get("/v1/files/" + id + "/content"));
    }

    @Test
    void shouldAnswerLikeMissingFileAndKeepItWhenDeletingAnotherTenantsFile() {
        assertSameAsMissing(id -> as(keyB).delete("/v1/files/" + id));
        as(keyA).get("/v1/files/" + fileOfA).then().statusCode(200);
    }

    @Test
    void shouldAnswerLikeMissingFileWhenPagingAfterAnotherTenantsFile() {
        assertSameAsMissing(id -> as(keyB).get("/v1/files?after=" + id));
    }

    @Test
    void shouldListOnlyOwnFilesWhenListing() {
        as(keyB).get("/v1/files").then().statusCode(200).body("data", hasSize(0));
        as(keyA).get("/v1/files").then().statusCode(200).body("data", hasSize(1));
    }

    @Test
    void shouldHideAnotherTenantsFileWhenFoundThroughThePersistenceLayer() {
        String tenantB = newTenant();
        assertThat(findAs(tenantB, fileOfA)).isFalse();
        assertThat(findAs(tenantA, fileOfA)).isTrue();
    }

    private boolean findAs(String tenantId, String fileId) {
        ManagedContext request = Arc.container().requestContext();
        request.activate();
        try {
            currentTenant.set(tenantId);
            return files.find(fileId).isPresent();
        } finally {
            request.terminate();
        }
    }

    private void assertSameAsMissing(Function<String, Response> call) {
        Response foreign = call.apply(fileOfA);
        Response missing = call.apply(MISSING);
        assertThat(foreign.statusCode()).isEqualTo(404);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(foreign.asString().replace(fileOfA, "ID"))
                .isEqualTo(missing.asString().replace(MISSING, "ID"));
    }
}
