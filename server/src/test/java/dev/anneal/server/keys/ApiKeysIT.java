package dev.anneal.server.keys;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.asAdmin;
import static dev.anneal.server.TestApi.newKey;
import static dev.anneal.server.TestApi.newTenant;
import static dev.anneal.server.TestApi.newTenantKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.anneal.server.AnnealTestResources;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Keys with names, scopes and expiry: created and listed by the administrator and by the tenant
 * itself, refused outside their scopes (403 {@code insufficient_scope}) and once expired (401).
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class ApiKeysIT {

    @Test
    void shouldRefuseACallOutsideTheKeysScopes() {
        String tenant = newTenant();
        JsonPath created =
                asAdmin()
                        .contentType("application/json")
                        .body(Map.of("name", "uploader", "scopes", List.of("files")))
                        .post("/v1/admin/tenants/" + tenant + "/api_keys")
                        .then()
                        .statusCode(201)
                        .body("name", equalTo("uploader"))
                        .body("scopes", equalTo(List.of("files")))
                        .extract()
                        .jsonPath();
        String key = created.getString("key");

        as(key).get("/v1/files").then().statusCode(200);
        for (String route : List.of("/v1/fine_tuning/jobs", "/v1/models", "/v1/feedback")) {
            as(key).get(route)
                    .then()
                    .statusCode(403)
                    .body("error.code", equalTo("insufficient_scope"))
                    .body("error.type", equalTo("permission_error"));
        }
        as(key).contentType("application/json")
                .body("{}")
                .post("/v1/chat/completions")
                .then()
                .statusCode(403)
                .body("error.message", org.hamcrest.Matchers.containsString("'inference'"));
        // managing keys takes a key with every scope
        as(key).get("/v1/api_keys").then().statusCode(403);
    }

    @Test
    void shouldListKeysWithoutSecretsAndNoteTheirLastUse() {
        String tenant = newTenant();
        String key = newKey(tenant);
        as(key).get("/v1/files").then().statusCode(200);

        JsonPath listed =
                asAdmin()
                        .get("/v1/admin/tenants/" + tenant + "/api_keys")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath();
        assertThat(listed.getList("data")).hasSize(1);
        assertThat(listed.getString("data[0].key")).isNull();
        assertThat(key).startsWith(listed.getString("data[0].prefix"));
        assertThat(listed.getList("data[0].scopes")).hasSize(6);
        assertThat(listed.getLong("data[0].last_used_at"))
                .isGreaterThan(Instant.now().getEpochSecond() - 120);
    }

    @Test
    void shouldAnswer401OnceAKeyHasExpired() throws InterruptedException {
        String tenant = newTenant();
        long soon = Instant.now().getEpochSecond() + 2;
        String key =
                asAdmin()
                        .contentType("application/json")
                        .body(Map.of("expires_at", soon))
                        .post("/v1/admin/tenants/" + tenant + "/api_keys")
                        .then()
                        .statusCode(201)
                        .body("expires_at", equalTo((int) soon))
                        .extract()
                        .path("key");
        as(key).get("/v1/files").then().statusCode(200);
        Thread.sleep(Math.max(0, (soon + 1) * 1000 - System.currentTimeMillis()));

        as(key).get("/v1/files")
                .then()
                .statusCode(401)
                .body("error.code", equalTo("expired_api_key"));
        asAdmin()
                .contentType("application/json")
                .body(Map.of("expires_at", Instant.now().getEpochSecond() - 10))
                .post("/v1/admin/tenants/" + tenant + "/api_keys")
                .then()
                .statusCode(400)
                .body("error.param", equalTo("expires_at"));
    }

    @Test
    void shouldLetATenantManageItsOwnKeysAndNoOneElses() {
        String owner = newTenantKey();
        JsonPath created =
                as(owner)
                        .contentType("application/json")
                        .body(Map.of("name", "chatbot", "scopes", List.of("inference")))
                        .post("/v1/api_keys")
                        .then()
                        .statusCode(201)
                        .body("key", org.hamcrest.Matchers.startsWith("sk-anneal-"))
                        .body("expires_at", nullValue())
                        .extract()
                        .jsonPath();
        String id = created.getString("id");
        assertThat(as(owner).get("/v1/api_keys").jsonPath().getList("data.id")).contains(id);

        String stranger = newTenantKey();
        as(stranger).delete("/v1/api_keys/" + id).then().statusCode(404);
        as(stranger)
                .contentType("application/json")
                .body(Map.of("scopes", List.of("everything")))
                .post("/v1/api_keys")
                .then()
                .statusCode(400)
                .body("error.param", equalTo("scopes"));

        as(owner)
                .delete("/v1/api_keys/" + id)
                .then()
                .statusCode(200)
                .body("deleted", equalTo(true));
        as(created.getString("key")).get("/v1/models").then().statusCode(401);
        assertThat(as(owner).get("/v1/api_keys").jsonPath().getList("data.id")).doesNotContain(id);
    }

    @Test
    void shouldHoldATenantToItsQuotaOfKeys() {
        String tenant = newTenant();
        String key = newKey(tenant);
        asAdmin()
                .contentType("application/json")
                .body(Map.of("quotas", Map.of("api_keys", 2)))
                .patch("/v1/admin/tenants/" + tenant)
                .then()
                .statusCode(200);

        as(key).contentType("application/json")
                .body("{}")
                .post("/v1/api_keys")
                .then()
                .statusCode(201);
        as(key).contentType("application/json")
                .body("{}")
                .post("/v1/api_keys")
                .then()
                .statusCode(429)
                .body("error.param", equalTo("api_keys"));
    }
}
