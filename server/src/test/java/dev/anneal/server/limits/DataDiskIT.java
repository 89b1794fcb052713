package dev.anneal.server.limits;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.management;
import static dev.anneal.server.TestApi.newTenantKey;
import static dev.anneal.server.TestApi.upload;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;

import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With the data disk below its reserve, readiness is down and an upload is refused with 507 in
 * OpenAI's error shape, storing nothing; the tuner's slots are reported alive.
 */
@QuarkusTest
@TestProfile(DataDiskIT.ReserveBeyondTheDisk.class)
@WithTestResource(AnnealTestResources.class)
class DataDiskIT {

    /** A reserve no disk has. */
    public static class ReserveBeyondTheDisk implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("anneal.min-free-disk", "1000000G");
        }
    }

    @Test
    void shouldAnswer507AndStoreNothingWhenTheDataDiskIsAtItsReserve() {
        String key = newTenantKey();

        upload(key, "chat.jsonl", TestApi.chatLine("hello") + "\n")
                .then()
                .statusCode(507)
                .body("error.code", equalTo("insufficient_storage"))
                .body("error.type", equalTo("server_error"));

        as(key).get("/v1/files").then().statusCode(200).body("data", empty());
    }

    @Test
    void shouldReportTheDiskDownAndTheTunerSlotsAliveInReadiness() {
        management()
                .get("/q/health/ready")
                .then()
                .statusCode(503)
                .body("checks.find { it.name == 'data-disk' }.status", equalTo("DOWN"))
                .body("checks.find { it.name == 'tuner' }.status", equalTo("UP"))
                .body(
                        "checks.find { it.name == 'tuner' }.data.slots_alive",
                        greaterThanOrEqualTo(1))
                .body("checks.name", hasItem("kafka"));
    }
}
