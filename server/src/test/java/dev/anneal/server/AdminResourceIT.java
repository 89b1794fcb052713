package dev.anneal.server;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.asAdmin;
import static dev.anneal.server.TestApi.newKey;
import static dev.anneal.server.TestApi.newTenant;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class AdminResourceIT {

    @Test
    void shouldCreateAndListTenantsWhenAdminKeyIsUsed() {
        String id =
                asAdmin()
                        .contentType("application/json")
                        .body("{\"name\":\"Acme Research\"}")
                        .post("/v1/admin/tenants")
                        .then()
                        .statusCode(201)
                        .body("id", startsWith("tenant-"))
                        .body("name", equalTo("Acme Research"))
                        .body("created_at", notNullValue())
                        .extract()
                        .path("id");

        asAdmin()
                .get("/v1/admin/tenants")
                .then()
                .statusCode(200)
                .body("object", equalTo("list"))
                .body("data.id", hasItem(id));
    }

    @Test
    void shouldRefuseDuplicateTenantNameWhenNameIsTaken() {
        String body = "{\"name\":\"Twice Inc\"}";
        asAdmin().contentType("application/json").body(body).post("/v1/admin/tenants");
        asAdmin()
                .contentType("application/json")
                .body(body)
                .post("/v1/admin/tenants")
                .then()
                .statusCode(409)
                .body("error.param", equalTo("name"));
    }

    @Test
    void shouldRejectBlankNameAndUnknownFieldWhenCreatingTenant() {
        asAdmin()
                .contentType("application/json")
                .body("{\"name\":\"  \"}")
                .post("/v1/admin/tenants")
                .then()
                .statusCode(400)
                .body("error.param", equalTo("name"))
                .body("error.type", equalTo("invalid_request_error"));
        asAdmin()
                .contentType("application/json")
                .body("{\"name\":\"x\",\"nmae\":\"typo\"}")
                .post("/v1/admin/tenants")
                .then()
                .statusCode(400)
                .body("error.param", equalTo("nmae"));
    }

    @Test
    void shouldShowKeyOnceAndRevokeItAtOnceWhenAdminRevokes() {
        String tenant = newTenant();
        var created =
                asAdmin()
                        .post("/v1/admin/tenants/" + tenant + "/api_keys")
                        .then()
                        .statusCode(201)
                        .body("key", startsWith("sk-anneal-"))
                        .extract();
        String keyId = created.path("id");
        String secret = created.path("key");

        as(secret).get("/v1/files").then().statusCode(200);
        asAdmin()
                .delete("/v1/admin/api_keys/" + keyId)
                .then()
                .statusCode(200)
                .body("deleted", equalTo(true));
        as(secret)
                .get("/v1/files")
                .then()
                .statusCode(401)
                .body("error.code", equalTo("invalid_api_key"));
        asAdmin().delete("/v1/admin/api_keys/" + keyId).then().statusCode(404);
    }

    @Test
    void shouldAnswer401WhenKeyIsMissingOrWrong() {
        given().get("/v1/admin/tenants")
                .then()
                .statusCode(401)
                .body("error.type", equalTo("authentication_error"));
        as("sk-anneal-not-a-key").get("/v1/admin/tenants").then().statusCode(401);
        as("sk-anneal-not-a-key").get("/v1/files").then().statusCode(401);
        given().header("Authorization", "Basic abc").get("/v1/files").then().statusCode(401);
    }

    @Test
    void shouldAnswer403WhenTenantKeyCallsAdminRouteOrAdminKeyCallsTenantRoute() {
        String key = newKey(newTenant());
        as(key).get("/v1/admin/tenants")
                .then()
                .statusCode(403)
                .body("error.type", equalTo("permission_error"));
        as(key).post("/v1/admin/tenants/x/api_keys").then().statusCode(403);
        as(key).delete("/v1/admin/api_keys/x").then().statusCode(403);
        asAdmin().get("/v1/files").then().statusCode(403);
    }

    @Test
    void shouldAnswer404WhenCreatingKeyForUnknownTenant() {
        asAdmin()
                .post("/v1/admin/tenants/tenant-doesnotexist/api_keys")
                .then()
                .statusCode(404)
                .body("error.param", equalTo("tenant_id"));
    }
}
