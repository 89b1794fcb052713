package dev.anneal.server.limits;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.asAdmin;
import static dev.anneal.server.TestApi.newKey;
import static dev.anneal.server.TestApi.newTenant;
import static dev.anneal.server.TestApi.newTenantKey;
import static dev.anneal.server.jobs.JobTestSupport.createJob;
import static dev.anneal.server.jobs.JobTestSupport.uploadStoryChats;
import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.server.AnnealTestResources;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A tenant holds at most its number of open streams; one more is refused, others' are not. */
@QuarkusTest
@TestProfile(StreamPermitsIT.TwoStreams.class)
@WithTestResource(AnnealTestResources.class)
class StreamPermitsIT {

    /** Two open streams per tenant; no worker, so jobs stay queued and their streams open. */
    public static class TwoStreams implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("anneal.streams-per-tenant", "2", "anneal.roles", "api");
        }
    }

    private final HttpClient http = HttpClient.newHttpClient();

    @TestHTTPResource("/")
    URI base;

    @Test
    void shouldAnswer429ToATenantsStreamBeyondItsLimitButNotToAnotherTenant() throws Exception {
        String key = newTenantKey();
        String job = queuedJob(key);
        List<HttpResponse<InputStream>> open = new ArrayList<>();
        try {
            open.add(stream(key, job));
            open.add(stream(key, job));
            assertThat(open).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));

            HttpResponse<InputStream> refused = stream(key, job);
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("retry-after")).hasValue("1");
            assertThat(new String(refused.body().readAllBytes()))
                    .contains("\"code\":\"rate_limit_exceeded\"");

            String other = newTenantKey();
            HttpResponse<InputStream> others = stream(other, queuedJob(other));
            open.add(others);
            assertThat(others.statusCode()).isEqualTo(200);
        } finally {
            for (HttpResponse<InputStream> response : open) {
                response.body().close();
            }
        }
    }

    @Test
    void shouldGiveAPermitBackWhenItsClientLeaves() throws Exception {
        String key = newTenantKey();
        String job = queuedJob(key);
        for (int round = 0; round < 3; round++) {
            HttpResponse<InputStream> first = stream(key, job);
            HttpResponse<InputStream> second = stream(key, job);
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(second.statusCode()).isEqualTo(200);
            first.body().close();
            second.body().close();
            awaitPermits(key, job);
        }
    }

    @Test
    void shouldEndAStreamWithinSecondsOfItsKeyBeingRevoked() throws Exception {
        String tenant = newTenant();
        String key = newKey(tenant);
        String job = queuedJob(key);
        HttpResponse<InputStream> open = stream(key, job);
        assertThat(open.statusCode()).isEqualTo(200);
        String keyId =
                asAdmin()
                        .get("/v1/admin/tenants/" + tenant + "/api_keys")
                        .jsonPath()
                        .getString("data[0].id");

        long revoked = System.nanoTime();
        asAdmin().delete("/v1/admin/api_keys/" + keyId).then().statusCode(200);
        String rest = new String(open.body().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(Duration.ofNanos(System.nanoTime() - revoked)).isLessThan(Duration.ofSeconds(5));
        assertThat(rest).contains("\"code\":\"invalid_api_key\"");
    }

    @Test
    void shouldHoldNoThreadPerStreamSoOtherTenantsAreAnsweredAtOnce() throws Exception {
        // 2 streams each for 150 tenants on queued jobs: more streams than the server has
        // worker threads (200), so streams that held one would leave none for anyone else
        List<HttpResponse<InputStream>> open = new ArrayList<>();
        try {
            for (int t = 0; t < 150; t++) {
                String key = newTenantKey();
                String job = queuedJob(key);
                open.add(stream(key, job));
                open.add(stream(key, job));
            }
            assertThat(open).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));

            String other = newTenantKey();
            long start = System.nanoTime();
            String file = uploadStoryChats(other, 2);
            as(other).get("/v1/files/" + file).then().statusCode(200);
            as(other).get("/v1/fine_tuning/jobs").then().statusCode(200);
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isLessThan(Duration.ofSeconds(1));
        } finally {
            for (HttpResponse<InputStream> response : open) {
                response.body().close();
            }
        }
    }

    /** Waits until the tenant's permits are back: a stream opens again (closing it at once). */
    private void awaitPermits(String key, String job) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            HttpResponse<InputStream> probe = stream(key, job);
            HttpResponse<InputStream> second = stream(key, job);
            boolean both = probe.statusCode() == 200 && second.statusCode() == 200;
            probe.body().close();
            second.body().close();
            if (both) {
                return;
            }
            assertThat(System.nanoTime()).as("permits never came back").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static String queuedJob(String key) {
        return createJob(
                key, Map.of("model", "anneal-nano", "training_file", uploadStoryChats(key, 2)));
    }

    private HttpResponse<InputStream> stream(String key, String job) throws Exception {
        return http.send(
                HttpRequest.newBuilder(
                                base.resolve("/v1/fine_tuning/jobs/" + job + "/events?stream=true"))
                        .header("Authorization", "Bearer " + key)
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
    }
}
