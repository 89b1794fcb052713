package dev.anneal.server;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class OperationsIT {

    @Test
    void shouldReportUpWithDatabaseAndKafkaChecksWhenHealthy() {
        given().get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItems("kafka", "Database connections health check"))
                // health is readable by anyone who reaches it: no addresses in it
                .body(not(containsString("bootstrap_servers")))
                .body(not(containsString("localhost")));
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void shouldKeepApiAnswersOutOfCachesAndTheirTypesUnsniffed() {
        TestApi.as(TestApi.newTenantKey())
                .get("/v1/files")
                .then()
                .statusCode(200)
                .header("Cache-Control", "no-store")
                .header("X-Content-Type-Options", "nosniff");
        given().get("/v1/files")
                .then()
                .statusCode(401)
                .header("Cache-Control", "no-store")
                .header("X-Content-Type-Options", "nosniff");
    }

    @Test
    void shouldServePrometheusMetrics() {
        given().get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("# TYPE jvm_memory_used_bytes gauge"));
    }

    @Test
    void shouldServeOpenApiDocumentAndUi() {
        given().get("/q/openapi").then().statusCode(200).body(containsString("/v1/files"));
        given().get("/q/swagger-ui/").then().statusCode(200);
    }
}
