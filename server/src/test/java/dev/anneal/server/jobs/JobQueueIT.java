package dev.anneal.server.jobs;

import static dev.anneal.server.jobs.JobTestSupport.createJob;
import static dev.anneal.server.jobs.JobTestSupport.uploadStoryChats;
import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import dev.anneal.store.UnitOfWork;
import dev.anneal.store.job.JobError;
import dev.anneal.store.job.JobLease;
import dev.anneal.store.job.JobQueue;
import dev.anneal.store.job.LeaseRenewals;
import dev.anneal.store.job.WakeUpChannels;
import dev.anneal.store.job.WakeUps;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The queue itself, with no worker running (role api only): fair order across tenants, the
 * per-tenant limit, no job claimed twice by racing workers, and leases that fence a worker that
 * lost its job.
 */
@QuarkusTest
@TestProfile(JobQueueIT.ApiRoleOnly.class)
@WithTestResource(AnnealTestResources.class)
class JobQueueIT {

    /** No tuner role: the test claims jobs itself. */
    public static class ApiRoleOnly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("anneal.roles", "api");
        }
    }

    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final int MAX_ATTEMPTS = 3;

    @Inject JobQueue queue;
    @Inject LeaseRenewals renewals;

    @Inject WakeUpChannels wakeUpChannels;

    private final List<JobLease> held = new ArrayList<>();

    @AfterEach
    void finishEverything() {
        drain();
        held.forEach(l -> inRequest(() -> queue.fail(l, new JobError("test", "test over", null))));
    }

    @Test
    void shouldWakeIdleWorkersWhenAJobIsQueuedOrHandedBack() throws Exception {
        drain();
        try (WakeUps wakeUps = wakeUpChannels.listen(WakeUps.JOB_QUEUED)) {
            // listening: the start's own wake-up (for what was queued before) has happened
            awaitWakeUp(wakeUps, 0);
            String key = TestApi.newTenantKey();
            String file = uploadStoryChats(key, 2);

            long seen = wakeUps.generation();
            createJob(key, Map.of("model", "anneal-nano", "training_file", file));
            awaitWakeUp(wakeUps, seen);

            JobLease lease =
                    inRequest(() -> queue.claim("w", LEASE, 10, MAX_ATTEMPTS)).orElseThrow();
            seen = wakeUps.generation();
            assertThat(inRequest(() -> queue.release(lease, "Worker shutting down"))).isTrue();
            awaitWakeUp(wakeUps, seen);
        }
    }

    @Test
    void shouldWakeTheEventRelayWhenJobEventsAreAdded() throws Exception {
        try (WakeUps wakeUps = wakeUpChannels.listen(WakeUps.JOB_EVENT_ADDED)) {
            awaitWakeUp(wakeUps, 0);
            String key = TestApi.newTenantKey();
            String file = uploadStoryChats(key, 2);

            long seen = wakeUps.generation();
            createJob(key, Map.of("model", "anneal-nano", "training_file", file)); // its events

            awaitWakeUp(wakeUps, seen);
        }
    }

    /** Waits for a wake-up after {@code seen}, far less long than a poll would. */
    private static void awaitWakeUp(WakeUps wakeUps, long seen) throws Exception {
        long waiting = System.nanoTime();
        wakeUps.awaitAfter(seen, Duration.ofSeconds(30));
        assertThat(wakeUps.generation()).isGreaterThan(seen);
        assertThat(Duration.ofNanos(System.nanoTime() - waiting)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void shouldNotStarveAnotherTenantsJobWhenOneTenantQueuesMany() {
        drain();
        String busy = TestApi.newTenantKey();
        String busyFile = uploadStoryChats(busy, 2);
        List<String> busyJobs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            busyJobs.add(
                    createJob(busy, Map.of("model", "anneal-nano", "training_file", busyFile)));
        }
        String quiet = TestApi.newTenantKey();
        String quietJob =
                createJob(
                        quiet,
                        Map.of(
                                "model",
                                "anneal-nano",
                                "training_file",
                                uploadStoryChats(quiet, 2)));

        assertThat(JobTestSupport.job(quiet, quietJob).getLong("queue_position")).isEqualTo(2L);
        assertThat(JobTestSupport.job(busy, busyJobs.get(4)).getLong("queue_position"))
                .isEqualTo(6L);

        List<String> order = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            order.add(claim("worker-a", 10).orElseThrow().jobId());
        }
        assertThat(order).containsExactly(busyJobs.get(0), quietJob, busyJobs.get(1));
    }

    @Test
    void shouldPlaceEachQueuedJobAloneWhereTheWholeQueuePlacesIt() throws Exception {
        drain();
        String suspendedTenant = TestApi.newTenant();
        String suspended = TestApi.newKey(suspendedTenant);
        String suspendedFile = uploadStoryChats(suspended, 2);
        List<String> suspendedJobs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            suspendedJobs.add(
                    createJob(
                            suspended,
                            Map.of("model", "anneal-nano", "training_file", suspendedFile)));
        }
        TestApi.asAdmin()
                .post("/v1/admin/tenants/" + suspendedTenant + "/suspend")
                .then()
                .statusCode(200);
        String busy = TestApi.newTenantKey();
        String busyFile = uploadStoryChats(busy, 2);
        String quiet = TestApi.newTenantKey();
        String quietFile = uploadStoryChats(quiet, 2);
        String crowd = TestApi.newTenantKey();
        String crowdFile = uploadStoryChats(crowd, 2);
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            jobs.add(createJob(busy, Map.of("model", "anneal-nano", "training_file", busyFile)));
        }
        // the first busy job runs on a lease that expires, so it waits to be taken over; the
        // second runs on a live one
        inRequest(() -> queue.claim("worker-lost", Duration.ofMillis(300), 10, MAX_ATTEMPTS))
                .orElseThrow();
        claim("worker-live", 10).orElseThrow();
        Thread.sleep(500);
        for (int i = 0; i < 3; i++) {
            jobs.add(createJob(quiet, Map.of("model", "anneal-nano", "training_file", quietFile)));
            jobs.add(createJob(busy, Map.of("model", "anneal-nano", "training_file", busyFile)));
        }
        for (int i = 0; i < 5; i++) {
            jobs.add(createJob(crowd, Map.of("model", "anneal-nano", "training_file", crowdFile)));
        }
        jobs.add(createJob(quiet, Map.of("model", "anneal-nano", "training_file", quietFile)));

        Map<String, Long> positions = inRequest(() -> queue.positions(jobs));

        assertThat(positions).hasSize(jobs.size() - 1).containsEntry(jobs.get(0), 1L);
        assertThat(inRequest(() -> queue.positions(suspendedJobs))).isEmpty();
        for (String job : jobs.subList(2, jobs.size())) {
            assertThat(inRequest(() -> queue.position(job)))
                    .as(job)
                    .isEqualTo(Optional.of(positions.get(job)));
        }
        // not queued: one waits to be taken over, one runs; and a suspended tenant's jobs
        for (String job : List.of(jobs.get(0), jobs.get(1), suspendedJobs.get(1))) {
            assertThat(inRequest(() -> queue.position(job))).as(job).isEmpty();
        }
    }

    @Test
    void shouldMakeATenantWaitWhileOthersRunWhenItIsAtItsLimit() {
        drain();
        String first = TestApi.newTenantKey();
        String file = uploadStoryChats(first, 2);
        String a1 = createJob(first, Map.of("model", "anneal-nano", "training_file", file));
        createJob(first, Map.of("model", "anneal-nano", "training_file", file));
        String second = TestApi.newTenantKey();
        String b1 =
                createJob(
                        second,
                        Map.of(
                                "model",
                                "anneal-nano",
                                "training_file",
                                uploadStoryChats(second, 2)));

        assertThat(claim("worker-a", 1).orElseThrow().jobId()).isEqualTo(a1);
        assertThat(claim("worker-b", 1).orElseThrow().jobId()).isEqualTo(b1);
        assertThat(claim("worker-c", 1)).as("both tenants are at their limit").isEmpty();
    }

    @Test
    void shouldNeverClaimTheSameJobTwiceWhenWorkersRace() throws Exception {
        drain();
        String key = TestApi.newTenantKey();
        String file = uploadStoryChats(key, 2);
        for (int i = 0; i < 12; i++) {
            createJob(key, Map.of("model", "anneal-nano", "training_file", file));
        }
        Set<String> claimed = ConcurrentHashMap.newKeySet();
        List<String> all = Collections.synchronizedList(new ArrayList<>());
        ExecutorService workers = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            String owner = "racer-" + w;
            done.add(
                    workers.submit(
                            () -> {
                                for (Optional<JobLease> lease = claim(owner, 100);
                                        lease.isPresent();
                                        lease = claim(owner, 100)) {
                                    claimed.add(lease.get().jobId());
                                    all.add(lease.get().jobId());
                                }
                            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        workers.shutdown();
        assertThat(all).hasSize(12).doesNotHaveDuplicates();
        assertThat(claimed).hasSize(12);
    }

    @Test
    void shouldHandTheJobOverAndFenceTheFormerHolderWhenALeaseExpires() throws Exception {
        drain();
        String key = TestApi.newTenantKey();
        String job = tinyJob(key);
        JobLease first =
                inRequest(() -> queue.claim("worker-old", Duration.ofMillis(500), 10, MAX_ATTEMPTS))
                        .orElseThrow();
        assertThat(first.attempt()).isEqualTo(1);
        Thread.sleep(800);

        JobLease second = claim("worker-new", 10).orElseThrow();
        assertThat(second.jobId()).isEqualTo(job);
        assertThat(second.attempt()).isEqualTo(2);
        assertThat(second.isTakeover()).isTrue();

        assertThat(renewals.renew(first, LEASE)).isEqualTo(LeaseRenewals.Renewal.LOST);
        assertThat(inRequest(() -> queue.cancelled(first))).isFalse();
        assertThat(renewals.renew(second, LEASE)).isEqualTo(LeaseRenewals.Renewal.RENEWED);
        assertThat(JobTestSupport.job(key, job).getString("status")).isEqualTo("running");
        List<String> messages =
                TestApi.as(key)
                        .get("/v1/fine_tuning/jobs/" + job + "/events")
                        .then()
                        .extract()
                        .jsonPath()
                        .getList("data.message", String.class);
        assertThat(messages.get(0)).startsWith("Job restarted from its last checkpoint");
    }

    @Test
    void shouldFailAJobInsteadOfRunningItAgainWhenItsWorkerWasLostTheSetNumberOfTimes()
            throws Exception {
        drain();
        String key = TestApi.newTenantKey();
        String job = tinyJob(key);
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            JobLease lease =
                    inRequest(
                                    () ->
                                            queue.claim(
                                                    "dies-" + System.nanoTime(),
                                                    Duration.ofMillis(300),
                                                    10,
                                                    MAX_ATTEMPTS))
                            .orElseThrow();
            assertThat(lease.jobId()).isEqualTo(job);
            assertThat(lease.attempt()).isEqualTo(attempt);
            Thread.sleep(500);
        }

        assertThat(claim("survivor", 10)).isEmpty();
        var failed = JobTestSupport.job(key, job);
        assertThat(failed.getString("status")).isEqualTo("failed");
        assertThat(failed.getString("error.code")).isEqualTo("worker_lost");
        assertThat(failed.getString("error.message")).contains("3 times");
    }

    @Test
    void shouldRequeueARetryableFailureAndFailItAtTheLimitButNotCountAHandBack() {
        drain();
        String key = TestApi.newTenantKey();
        String job = tinyJob(key);
        JobError outOfMemory = new JobError("internal_error", "Out of memory.", null);

        JobLease first = inRequest(() -> queue.claim("w", LEASE, 10, MAX_ATTEMPTS)).orElseThrow();
        assertThat(inRequest(() -> queue.retry(first, outOfMemory, MAX_ATTEMPTS))).isTrue();
        assertThat(JobTestSupport.job(key, job).getString("status")).isEqualTo("queued");
        JobLease second = inRequest(() -> queue.claim("w", LEASE, 10, MAX_ATTEMPTS)).orElseThrow();
        assertThat(inRequest(() -> queue.release(second, "Worker shutting down"))).isTrue();
        JobLease third = inRequest(() -> queue.claim("w", LEASE, 10, MAX_ATTEMPTS)).orElseThrow();
        assertThat(inRequest(() -> queue.retry(third, outOfMemory, MAX_ATTEMPTS))).isTrue();
        JobLease fourth = inRequest(() -> queue.claim("w", LEASE, 10, MAX_ATTEMPTS)).orElseThrow();
        assertThat(fourth.attempt()).isEqualTo(4);
        assertThat(JobTestSupport.job(key, job).getString("status")).isEqualTo("running");
        assertThat(inRequest(() -> queue.retry(fourth, outOfMemory, MAX_ATTEMPTS))).isTrue();

        var failed = JobTestSupport.job(key, job);
        assertThat(failed.getString("status")).isEqualTo("failed");
        assertThat(failed.getString("error.message")).isEqualTo("Out of memory.");
        List<String> messages =
                TestApi.as(key)
                        .get("/v1/fine_tuning/jobs/" + job + "/events?limit=100")
                        .then()
                        .extract()
                        .jsonPath()
                        .getList("data.message", String.class);
        assertThat(messages)
                .contains("Attempt 1 failed: Out of memory. The job goes back to the queue.")
                .contains("Attempt 3 failed: Out of memory. The job goes back to the queue.");
    }

    /** A job on the built-in model over a two-line file. */
    private static String tinyJob(String key) {
        return createJob(
                key, Map.of("model", "anneal-nano", "training_file", uploadStoryChats(key, 2)));
    }

    /** Claims every job still queued, so that each test starts from an empty queue. */
    private void drain() {
        for (Optional<JobLease> lease = claim("drain", 10_000);
                lease.isPresent();
                lease = claim("drain", 10_000)) {
            // held until the test ends
        }
    }

    private Optional<JobLease> claim(String owner, int perTenantLimit) {
        Optional<JobLease> lease =
                inRequest(() -> queue.claim(owner, LEASE, perTenantLimit, MAX_ATTEMPTS));
        lease.ifPresent(
                l -> {
                    synchronized (held) {
                        held.add(l);
                    }
                });
        return lease;
    }

    private static <T> T inRequest(Supplier<T> work) {
        return UnitOfWork.call(work);
    }
}
