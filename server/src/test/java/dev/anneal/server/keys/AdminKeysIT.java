package dev.anneal.server.keys;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.asAdmin;
import static dev.anneal.server.TestApi.newTenantKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.anneal.server.AnnealTestResources;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Named administrator keys: the bootstrap key creates one, which then administers like it; it is
 * listed without its secret, refused on tenant routes, and refused everywhere once revoked.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class AdminKeysIT {

    @Test
    void shouldAdministerWithANamedKeyUntilItIsRevoked() {
        JsonPath created =
                asAdmin()
                        .contentType("application/json")
                        .body(Map.of("name", "ops on-call"))
                        .post("/v1/admin/admin_keys")
                        .then()
                        .statusCode(201)
                        .body("name", equalTo("ops on-call"))
                        .extract()
                        .jsonPath();
        String secret = created.getString("key");
        String id = created.getString("id");
        assertThat(secret).startsWith("sk-admin-").startsWith(created.getString("prefix"));

        as(secret)
                .contentType("application/json")
                .body(Map.of("name", "tenant of " + id))
                .post("/v1/admin/tenants")
                .then()
                .statusCode(201);
        JsonPath listed =
                as(secret).get("/v1/admin/admin_keys").then().statusCode(200).extract().jsonPath();
        assertThat(listed.getList("data.id")).contains(id);
        assertThat(listed.getString("data.find { it.id == '" + id + "' }.key")).isNull();
        as(secret).get("/v1/files").then().statusCode(403);
        as(newTenantKey()).get("/v1/admin/admin_keys").then().statusCode(403);

        asAdmin().delete("/v1/admin/admin_keys/" + id).then().statusCode(200);
        as(secret)
                .get("/v1/admin/tenants")
                .then()
                .statusCode(401)
                .body("error.code", equalTo("invalid_api_key"));
        asAdmin().delete("/v1/admin/admin_keys/" + id).then().statusCode(404);
    }

    @Test
    void shouldRequireAName() {
        asAdmin()
                .contentType("application/json")
                .body("{}")
                .post("/v1/admin/admin_keys")
                .then()
                .statusCode(400)
                .body("error.param", equalTo("name"));
    }
}
