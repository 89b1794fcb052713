package dev.anneal.server;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.asAdmin;
import static dev.anneal.server.TestApi.newTenantKey;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

/** Every refusal, whichever layer makes it, comes in OpenAI's error shape without internals. */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class ErrorShapeIT {

    @Test
    void shouldAnswer404InErrorShapeWhenRouteIsUnknown() {
        assertErrorShape(given().get("/no/such/route"), 404);
        assertErrorShape(as(newTenantKey()).get("/v1/no-such-thing"), 404);
    }

    @Test
    void shouldAnswer405InErrorShapeWhenMethodIsWrong() {
        assertErrorShape(as(newTenantKey()).put("/v1/files"), 405);
    }

    @Test
    void shouldAnswer415InErrorShapeWhenMediaTypeIsWrong() {
        assertErrorShape(
                asAdmin().contentType("text/plain").body("name=x").post("/v1/admin/tenants"), 415);
    }

    @Test
    void shouldAnswer413InErrorShapeWhenJsonBodyIsTooLarge() {
        String huge = "{\"name\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}";
        assertErrorShape(
                asAdmin().contentType("application/json").body(huge).post("/v1/admin/tenants"),
                413);
    }

    @Test
    void shouldAnswer400InErrorShapeWhenJsonIsMalformed() {
        assertErrorShape(
                asAdmin()
                        .contentType("application/json")
                        .body("{\"name\":")
                        .post("/v1/admin/tenants"),
                400);
        assertErrorShape(
                asAdmin()
                        .contentType("application/json")
                        .body("{\"name\":[1]}")
                        .post("/v1/admin/tenants"),
                400);
    }

    private static void assertErrorShape(Response response, int status) {
        response.then()
                .statusCode(status)
                .contentType("application/json")
                .body("error.message", notNullValue())
                .body("error.type", notNullValue());
        assertThat(response.jsonPath().getMap("error")).containsKeys("param", "code");
        assertThat(response.asString()).doesNotContain("Exception").doesNotContain("\tat ");
        if (status == 405) {
            response.then().body("error.code", equalTo("method_not_allowed"));
        }
    }
}
