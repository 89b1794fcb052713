package dev.anneal.server.limits;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.server.AnnealTestResources;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A client address that keeps sending wrong keys is answered 429 without a database lookup. */
@QuarkusTest
@TestProfile(FailedAuthenticationsIT.SlowFailures.class)
@WithTestResource(AnnealTestResources.class)
class FailedAuthenticationsIT {

    /** Two failures a second, bursts of ten. */
    public static class SlowFailures implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("anneal.auth.failures-per-second", "2");
        }
    }

    @Test
    void shouldAnswer429WithRetryAfterOnceAnAddressFailedTooOften() {
        List<Integer> statuses = new ArrayList<>();
        Response last = null;
        for (int i = 0; i < 30; i++) {
            Response response =
                    given().header("Authorization", "Bearer sk-" + UUID.randomUUID())
                            .get("/v1/files");
            statuses.add(response.statusCode());
            if (response.statusCode() == 429) {
                last = response;
            }
        }

        // a burst of ten, then one more every half second
        assertThat(statuses.subList(0, 10)).containsOnly(401);
        assertThat(statuses).containsOnly(401, 429);
        assertThat(statuses.subList(10, 30).stream().filter(s -> s == 429).count())
                .isGreaterThanOrEqualTo(10);
        assertThat(last.header("Retry-After")).isEqualTo("1");
        assertThat(last.jsonPath().getString("error.code")).isEqualTo("rate_limit_exceeded");
        assertThat(last.jsonPath().getString("error.type")).isEqualTo("requests");
    }
}
