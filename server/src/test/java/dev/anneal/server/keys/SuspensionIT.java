package dev.anneal.server.keys;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.asAdmin;
import static dev.anneal.server.TestApi.newKey;
import static dev.anneal.server.TestApi.newTenant;
import static dev.anneal.server.TestApi.newTenantKey;
import static dev.anneal.server.jobs.JobTestSupport.awaitStatus;
import static dev.anneal.server.jobs.JobTestSupport.createNanoJob;
import static dev.anneal.server.jobs.JobTestSupport.uploadStoryChats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import dev.anneal.server.AnnealTestResources;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A suspended tenant's keys answer 403 {@code tenant_suspended}; its running job stops after its
 * next checkpoint and waits in the queue, unclaimed, until the tenant is resumed, then finishes
 * from that checkpoint. Other tenants are untouched.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class SuspensionIT {

    @Inject EntityManager em;

    @Test
    void shouldRefuseASuspendedTenantsKeysUntilItIsResumed() {
        String tenant = newTenant();
        String key = newKey(tenant);
        String other = newTenantKey();

        suspend(tenant).then().statusCode(200).body("suspended_at", notNullValue());
        as(key).get("/v1/files")
                .then()
                .statusCode(403)
                .body("error.code", equalTo("tenant_suspended"));
        as(other).get("/v1/files").then().statusCode(200);

        asAdmin()
                .post("/v1/admin/tenants/" + tenant + "/resume")
                .then()
                .statusCode(200)
                .body("suspended_at", nullValue());
        as(key).get("/v1/files").then().statusCode(200);
    }

    @Test
    void shouldStopARunningJobAtItsNextCheckpointAndFinishItAfterResuming() throws Exception {
        String tenant = newTenant();
        String key = newKey(tenant);
        String job =
                createNanoJob(
                        key,
                        uploadStoryChats(key, 20),
                        Map.of(
                                "checkpoint_interval",
                                5,
                                "hyperparameters",
                                Map.of("n_epochs", 12, "batch_size", 1)));
        awaitStatus(key, job, "running", Duration.ofSeconds(60));

        suspend(tenant).then().statusCode(200);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!statusOf(job).equals("queued")) {
            assertThat(System.nanoTime()).as("the job never stopped").isLessThan(deadline);
            Thread.sleep(100);
        }
        Thread.sleep(3000); // a worker polls every second: it must leave the job alone
        assertThat(statusOf(job)).isEqualTo("queued");

        asAdmin().post("/v1/admin/tenants/" + tenant + "/resume").then().statusCode(200);
        awaitStatus(key, job, "succeeded", Duration.ofMinutes(3));
        assertThat(messagesOf(job))
                .anyMatch(m -> m.startsWith("The tenant was suspended: the job stopped after"))
                .anyMatch(m -> m.startsWith("Job restarted from its last checkpoint"));
    }

    private static io.restassured.response.Response suspend(String tenant) {
        return asAdmin().post("/v1/admin/tenants/" + tenant + "/suspend");
    }

    /** Every message of the job's events, as stored. */
    @SuppressWarnings("unchecked")
    private List<String> messagesOf(String job) {
        return QuarkusTransaction.requiringNew()
                .call(
                        () ->
                                em.createNativeQuery(
                                                "select message from job_event where job_id = :id"
                                                        + " order by job_seq")
                                        .setParameter("id", job)
                                        .getResultList());
    }

    /** The job's status as stored, read past the tenant filter (its key is refused meanwhile). */
    private String statusOf(String job) {
        return QuarkusTransaction.requiringNew()
                .call(
                        () ->
                                (String)
                                        em.createNativeQuery(
                                                        "select status from fine_tuning_job where"
                                                                + " id = :id")
                                                .setParameter("id", job)
                                                .getSingleResult());
    }
}
