package dev.anneal.server;

import static dev.anneal.server.TestApi.management;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class OperationsIT {

    @Test
    void shouldReportUpWithDatabaseAndKafkaChecksWhenHealthy() {
        management()
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItems("kafka", "Database connections health check"))
                // health is readable by anyone who reaches it: no addresses in it
                .body(not(containsString("bootstrap_servers")))
                .body(not(containsString("localhost")));
        management().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
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
        management()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("# TYPE jvm_memory_used_bytes gauge"));
    }

    @Test
    void shouldServeOpenApiDocumentAndUi() {
        management().get("/q/openapi").then().statusCode(200).body(containsString("/v1/files"));
        management().get("/q/swagger-ui/").then().statusCode(200);
    }

    @Test
    void shouldServeNoManagementEndpointOnTheApiPort() {
        for (String path :
                new String[] {
                    "/q/health", "/q/health/ready", "/q/metrics", "/q/openapi", "/q/swagger-ui/"
                }) {
            given().get(path).then().statusCode(404);
        }
    }

    @Test
    void shouldListenForManagementOnTheLoopbackInterfaceOnly() {
        assertThat(ConfigProvider.getConfig().getValue("quarkus.management.host", String.class))
                .isEqualTo("127.0.0.1");
    }

    @Test
    void shouldAnswerNoCrossOriginRequestUnlessConfigured() {
        given().header("Origin", "https://elsewhere.example")
                .header("Access-Control-Request-Method", "POST")
                .options("/v1/files")
                .then()
                .header("Access-Control-Allow-Origin", nullValue());
        TestApi.as(TestApi.newTenantKey())
                .header("Origin", "https://elsewhere.example")
                .get("/v1/files")
                .then()
                .statusCode(200)
                .header("Access-Control-Allow-Origin", nullValue());
    }
}
