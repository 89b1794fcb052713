package dev.anneal.server.limits;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.asAdmin;
import static dev.anneal.server.TestApi.chatLine;
import static dev.anneal.server.TestApi.management;
import static dev.anneal.server.TestApi.newKey;
import static dev.anneal.server.TestApi.newTenant;
import static dev.anneal.server.TestApi.newTenantKey;
import static dev.anneal.server.TestApi.upload;
import static dev.anneal.server.TestApi.uploadChat;
import static dev.anneal.server.feedback.FeedbackTestSupport.newEventId;
import static dev.anneal.server.feedback.FeedbackTestSupport.pairwise;
import static dev.anneal.server.jobs.JobTestSupport.createJob;
import static dev.anneal.server.limits.ChunkedBody.MIB;
import static dev.anneal.server.limits.ChunkedBody.SLACK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.anneal.server.AnnealTestResources;
import dev.anneal.store.UnitOfWork;
import dev.anneal.store.job.JobError;
import dev.anneal.store.job.JobLease;
import dev.anneal.store.job.JobQueue;
import dev.anneal.store.job.LeaseRenewals;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Hostile clients, each bounded in count and time, on loopback: after each attack the server must
 * be ready, its heap back near where it was, and another tenant (the victim, listing its files
 * every 100 ms throughout) answered within a second every time. Prints a table and {@code N attacks
 * tried, N held}. The job that exhausts a worker's memory is {@code JobContainmentIT}'s, which
 * needs a worker process of its own.
 */
@QuarkusTest
@TestProfile(HostileClientsIT.Hostile.class)
@WithTestResource(AnnealTestResources.class)
class HostileClientsIT {

    /**
     * The shipped limits, except: uploads must reach 1 MiB/s after 2 s (so that a trickle is cut
     * off quickly), and no worker, so that jobs stay queued.
     */
    public static class Hostile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "anneal.roles", "api",
                    "anneal.streams-per-tenant", "16",
                    "anneal.auth.failures-per-second", "10",
                    "anneal.quotas.requests-per-second", "100",
                    "anneal.files.min-upload-rate", "1M",
                    "anneal.files.slow-upload-grace", "2s");
        }
    }

    private static final Duration VICTIM_BOUND = Duration.ofSeconds(1);
    private static final long HEAP_SLACK = 96 * MIB;
    private static final Duration LEASE = Duration.ofSeconds(5);

    @TestHTTPResource("/")
    URI base;

    @Inject JobQueue queue;
    @Inject LeaseRenewals renewals;

    private final HttpClient http = HttpClient.newHttpClient();

    /** One attack: returns what it saw; throws AssertionError if the server gave way. */
    @FunctionalInterface
    interface Attack {
        String run() throws Exception;
    }

    record Outcome(
            String attack, boolean held, String detail, Duration victimWorst, long heapMib) {}

    @Test
    void shouldHoldEveryAttack() throws Exception {
        String victim = newTenantKey();
        uploadChat(victim);
        long baseline = usedHeapAfterGc();

        List<Outcome> outcomes = new ArrayList<>();
        outcomes.add(
                attack(
                        "2 GiB chunked body to each JSON route",
                        this::hugeBodies,
                        victim,
                        baseline));
        outcomes.add(attack("500 streams on a queued job", this::manyStreams, victim, baseline));
        outcomes.add(
                attack(
                        "20,000 random bearer tokens while a lease is renewed",
                        this::randomTokens,
                        victim,
                        baseline));
        outcomes.add(attack("a tenant past each quota", this::pastQuotas, victim, baseline));
        outcomes.add(attack("slow-drip upload", this::trickle, victim, baseline));
        outcomes.add(attack("limit=100000 on every list", this::hugePages, victim, baseline));

        long held = outcomes.stream().filter(Outcome::held).count();
        StringBuilder table =
                new StringBuilder(
                        "\n| attack | held | victim's slowest | heap | what happened |\n| --- | --- | --- | --- | --- |\n");
        for (Outcome o : outcomes) {
            table.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %s | %d ms | %+d MiB | %s |%n",
                            o.attack(),
                            o.held() ? "yes" : "NO",
                            o.victimWorst().toMillis(),
                            o.heapMib(),
                            o.detail()));
        }
        table.append(outcomes.size()).append(" attacks tried, ").append(held).append(" held\n");
        System.out.println(table);
        assertThat(held).as(table.toString()).isEqualTo(outcomes.size());
    }

    private Outcome attack(String name, Attack attack, String victim, long baseline)
            throws InterruptedException {
        VictimProbe probe = new VictimProbe(victim);
        Thread prober = new Thread(probe, "victim-probe");
        prober.start();
        boolean held = true;
        String detail;
        try {
            detail = attack.run();
        } catch (Exception | AssertionError e) {
            held = false;
            detail = e.toString().replace('\n', ' ');
        }
        probe.stop.set(true);
        prober.join();
        int ready = management().get("/q/health/ready").statusCode();
        long heapMib = (usedHeapAfterGc() - baseline) / MIB;
        if (ready != 200) {
            held = false;
            detail += "; readiness answered " + ready;
        }
        if (heapMib * MIB > HEAP_SLACK) {
            held = false;
            detail += "; the heap stayed " + heapMib + " MiB above where it was";
        }
        Duration worst = Duration.ofNanos(probe.worstNanos.get());
        if (worst.compareTo(VICTIM_BOUND) > 0 || probe.failures.get() > 0) {
            held = false;
            detail +=
                    "; the victim waited "
                            + worst.toMillis()
                            + " ms, "
                            + probe.failures
                            + " failed";
        }
        return new Outcome(name, held, detail, worst, heapMib);
    }

    private String hugeBodies() throws Exception {
        String key = newTenantKey();
        Map<String, Long> limits =
                Map.of(
                        "/v1/fine_tuning/jobs", MIB,
                        "/v1/chat/completions", MIB,
                        "/v1/completions", MIB,
                        "/v1/feedback", 16 * MIB,
                        "/v1/preference_datasets", MIB,
                        "/v1/admin/tenants", MIB);
        long most = 0;
        for (Map.Entry<String, Long> route : limits.entrySet()) {
            String credential =
                    route.getKey().startsWith("/v1/admin") ? AnnealTestResources.ADMIN_KEY : key;
            ChunkedBody.Sent sent =
                    ChunkedBody.post(http, base, route.getKey(), credential, 2048 * MIB);
            assertThat(sent.status()).as(route.getKey()).isIn(413, -1);
            assertThat(sent.bytesPulled()).as(route.getKey()).isLessThan(route.getValue() + SLACK);
            most = Math.max(most, sent.bytesPulled());
        }
        return limits.size() + " routes answered 413 after at most " + most / MIB + " MiB";
    }

    private String manyStreams() throws Exception {
        String key = newTenantKey();
        String job =
                createJob(key, Map.of("model", "anneal-nano", "training_file", uploadChat(key)));
        List<CompletableFuture<HttpResponse<InputStream>>> streams = new ArrayList<>();
        HttpRequest follow =
                HttpRequest.newBuilder(
                                base.resolve("/v1/fine_tuning/jobs/" + job + "/events?stream=true"))
                        .header("Authorization", "Bearer " + key)
                        .timeout(Duration.ofSeconds(30))
                        .build();
        for (int wave = 0; wave < 10; wave++) { // 50 at once, ten times over
            List<CompletableFuture<HttpResponse<InputStream>>> batch = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                batch.add(http.sendAsync(follow, HttpResponse.BodyHandlers.ofInputStream()));
            }
            CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).join();
            streams.addAll(batch);
        }
        Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        try {
            for (CompletableFuture<HttpResponse<InputStream>> stream : streams) {
                statuses.merge(stream.get().statusCode(), 1, Integer::sum);
            }
            // while they are open, another tenant uploads and lists at once
            String other = newTenantKey();
            long start = System.nanoTime();
            uploadChat(other);
            as(other).get("/v1/files").then().statusCode(200);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(VICTIM_BOUND);
        } finally {
            for (CompletableFuture<HttpResponse<InputStream>> stream : streams) {
                stream.thenAccept(r -> closeQuietly(r.body()));
            }
        }
        assertThat(statuses).containsOnlyKeys(200, 429).containsEntry(200, 16);
        return statuses.get(200) + " streams opened, " + statuses.get(429) + " answered 429";
    }

    private String randomTokens() throws Exception {
        String key = newTenantKey();
        createJob(key, Map.of("model", "anneal-nano", "training_file", uploadChat(key)));
        JobLease lease =
                UnitOfWork.call(() -> queue.claim("hostile-suite", LEASE, 100, 3)).orElseThrow();
        AtomicBoolean flooding = new AtomicBoolean(true);
        AtomicLong slowestRenewal = new AtomicLong();
        List<LeaseRenewals.Renewal> outcomes = new ArrayList<>();
        Thread renewer =
                new Thread(
                        () -> {
                            while (flooding.get()) {
                                long start = System.nanoTime();
                                outcomes.add(renewals.renew(lease, LEASE));
                                slowestRenewal.accumulateAndGet(
                                        System.nanoTime() - start, Math::max);
                                sleep(500);
                            }
                        },
                        "lease-renewer");
        renewer.start();
        Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        SecureRandom random = new SecureRandom();
        Semaphore inFlight = new Semaphore(64);
        List<CompletableFuture<Void>> requests = new ArrayList<>();
        try {
            for (int i = 0; i < 20_000; i++) {
                byte[] secret = new byte[24];
                random.nextBytes(secret);
                inFlight.acquire();
                requests.add(
                        http.sendAsync(
                                        HttpRequest.newBuilder(base.resolve("/v1/files"))
                                                .header(
                                                        "Authorization",
                                                        "Bearer sk-anneal-"
                                                                + HexFormat.of().formatHex(secret))
                                                .timeout(Duration.ofSeconds(30))
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .handle(
                                        (response, error) -> {
                                            inFlight.release();
                                            statuses.merge(
                                                    response == null ? -1 : response.statusCode(),
                                                    1,
                                                    Integer::sum);
                                            return null;
                                        }));
            }
            CompletableFuture.allOf(requests.toArray(CompletableFuture[]::new)).join();
        } finally {
            flooding.set(false);
            renewer.join();
            UnitOfWork.call(() -> queue.fail(lease, new JobError("test", "suite over", null)));
            awaitAddressForgiven(key);
        }
        assertThat(statuses).containsOnlyKeys(401, 429);
        assertThat(outcomes).isNotEmpty().containsOnly(LeaseRenewals.Renewal.RENEWED);
        assertThat(Duration.ofNanos(slowestRenewal.get())).isLessThan(LEASE.dividedBy(4));
        return String.format(
                Locale.ROOT,
                "%d answered 401, %d 429; %d renewals, slowest %d ms",
                statuses.getOrDefault(401, 0),
                statuses.getOrDefault(429, 0),
                outcomes.size(),
                slowestRenewal.get() / 1_000_000);
    }

    /** Waits until this address may authenticate again, its failure budget refilled. */
    private static void awaitAddressForgiven(String key) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (as(key).get("/v1/files").statusCode() == 429 && System.nanoTime() < deadline) {
            sleep(200);
        }
    }

    private String pastQuotas() throws Exception {
        String tenant = newTenant();
        String key = newKey(tenant);
        asAdmin()
                .contentType("application/json")
                .body(
                        Map.of(
                                "quotas",
                                Map.of(
                                        "files", 1,
                                        "active_jobs", 0,
                                        "feedback_per_day", 1,
                                        "requests_per_second", 50)))
                .patch("/v1/admin/tenants/" + tenant)
                .then()
                .statusCode(200);
        String file = uploadChat(key);
        List<Response> refused =
                List.of(
                        upload(key, "more.jsonl", chatLine("again") + "\n"),
                        as(key).contentType("application/json")
                                .body(Map.of("model", "anneal-nano", "training_file", file))
                                .post("/v1/fine_tuning/jobs"),
                        as(key).contentType("application/json")
                                .body(
                                        "["
                                                + pairwise(newEventId())
                                                + ","
                                                + pairwise(newEventId())
                                                + "]")
                                .post("/v1/feedback"));
        for (Response response : refused) {
            assertThat(response.statusCode()).isEqualTo(429);
            assertThat(response.jsonPath().getString("error.code")).isEqualTo("quota_exceeded");
        }
        // from 8 threads at once, so that a slow machine cannot keep the rate under the limit
        ExecutorService senders = Executors.newFixedThreadPool(8);
        int limited = 0;
        try {
            Callable<Integer> sender =
                    () -> {
                        int tooMany = 0;
                        for (int i = 0; i < 50; i++) {
                            if (as(key).get("/v1/usage").statusCode() == 429) {
                                tooMany++;
                            }
                        }
                        return tooMany;
                    };
            for (Future<Integer> sent : senders.invokeAll(Collections.nCopies(8, sender))) {
                limited += sent.get();
            }
        } finally {
            senders.shutdownNow();
        }
        assertThat(limited).as("requests past 50 per second").isPositive();
        return "files, active_jobs and feedback_per_day answered 429 quota_exceeded;"
                + " the request rate 429 rate_limit_exceeded";
    }

    private String trickle() throws Exception {
        String key = newTenantKey();
        String status = TrickleUpload.statusLine(base, key, Duration.ofSeconds(30));
        assertThat(status).isEqualTo("HTTP/1.1 408");
        assertThat(as(key).get("/v1/files").jsonPath().getList("data")).isEmpty();
        return "cut off with 408 after the 2 s grace, nothing kept";
    }

    private String hugePages() {
        String key = newTenantKey();
        String job =
                createJob(key, Map.of("model", "anneal-nano", "training_file", uploadChat(key)));
        List<String> lists =
                List.of(
                        "/v1/files",
                        "/v1/fine_tuning/jobs",
                        "/v1/fine_tuning/jobs/" + job + "/events",
                        "/v1/fine_tuning/jobs/" + job + "/checkpoints",
                        "/v1/feedback");
        for (String list : lists) {
            as(key).get(list + "?limit=100000")
                    .then()
                    .statusCode(400)
                    .body("error.param", equalTo("limit"));
        }
        return lists.size() + " lists answered 400 naming limit";
    }

    /**
     * The victim: lists its files every 100 ms from another loopback address (127.0.0.2), as a
     * tenant elsewhere on the network would, and keeps its slowest answer.
     */
    private final class VictimProbe implements Runnable {

        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong worstNanos = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        private final String key;

        VictimProbe(String key) {
            this.key = key;
        }

        @Override
        public void run() {
            while (!stop.get()) {
                long start = System.nanoTime();
                String status = listFiles();
                worstNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                if (!status.equals("HTTP/1.1 200")) {
                    failures.incrementAndGet();
                }
                sleep(100);
            }
        }

        private String listFiles() {
            try (Socket socket =
                    new Socket(
                            InetAddress.getByName(base.getHost()),
                            base.getPort(),
                            InetAddress.getByName("127.0.0.2"),
                            0)) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream()
                        .write(
                                ("GET /v1/files?limit=1 HTTP/1.1\r\nHost: localhost\r\n"
                                                + "Authorization: Bearer "
                                                + key
                                                + "\r\nConnection: close\r\n\r\n")
                                        .getBytes(StandardCharsets.US_ASCII));
                return new String(
                        socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                return e.toString();
            }
        }
    }

    private static long usedHeapAfterGc() {
        System.gc();
        sleep(200);
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // the stream is gone either way
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
