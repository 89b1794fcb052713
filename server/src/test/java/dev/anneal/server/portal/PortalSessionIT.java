package dev.anneal.server.portal;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.asAdmin;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import dev.anneal.store.session.PortalSessions;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Signing in to the portal: a key becomes a server-side session held by an HttpOnly,
 * SameSite=Strict cookie; the API takes the session like the key it stands for, a change must
 * repeat the session's token, and the session ends on sign-out, on its key's revocation and after
 * its idle time.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class PortalSessionIT {

    @Inject PortalSessions sessions;

    @Test
    void shouldExchangeTheKeyForAnHttpOnlyStrictCookieAndNeverShowTheKey() {
        String key = TestApi.newTenantKey();
        String setCookie = SignedIn.signIn(key).header("Set-Cookie");
        assertThat(setCookie)
                .startsWith("anneal_session=")
                .contains("HttpOnly", "SameSite=Strict", "Path=/")
                .doesNotContain(key);
        SignedIn session = SignedIn.with(key);
        for (String page :
                List.of("/datasets", "/jobs", "/jobs/new", "/models", "/playground", "/feedback")) {
            session.request()
                    .get(page)
                    .then()
                    .statusCode(200)
                    .header("Content-Security-Policy", containsString("script-src 'self'"))
                    .body(not(containsString(key)));
        }
    }

    @Test
    void shouldRefuseAChangeThatDoesNotRepeatTheSessionsToken() {
        String key = TestApi.newTenantKey();
        String file = TestApi.uploadChat(key);
        SignedIn session = SignedIn.with(key);
        session.withoutToken()
                .delete("/v1/files/" + file)
                .then()
                .statusCode(403)
                .body("error.code", equalTo("csrf_token_invalid"));
        session.withoutToken()
                .header("X-CSRF-Token", "not-the-token")
                .delete("/v1/files/" + file)
                .then()
                .statusCode(403);
        as(key).get("/v1/files/" + file).then().statusCode(200);
        session.request().delete("/v1/files/" + file).then().statusCode(200);
        as(key).get("/v1/files/" + file).then().statusCode(404);
    }

    @Test
    void shouldEndTheSessionServerSideOnSignOutAndAuditBoth() {
        String key = TestApi.newTenantKey();
        SignedIn session = SignedIn.with(key);
        session.withoutToken().post("/sign-out").then().statusCode(403);
        session.request()
                .post("/sign-out")
                .then()
                .statusCode(204)
                .header("HX-Redirect", "/sign-in")
                .header("Set-Cookie", containsString("Max-Age=0"));
        // the old cookie, replayed, opens nothing
        session.request()
                .get("/datasets")
                .then()
                .statusCode(303)
                .header("Location", containsString("/sign-in?next=%2Fdatasets"));
        session.request()
                .get("/v1/files")
                .then()
                .statusCode(401)
                .body("error.code", equalTo("session_expired"));
        List<String> actions =
                as(key).get("/v1/audit").then().statusCode(200).extract().path("data.action");
        assertThat(actions).contains("session.create", "session.delete");
    }

    @Test
    void shouldEndTheSessionWhenItsKeyIsRevoked() {
        String tenant = TestApi.newTenant();
        String key = TestApi.newKey(tenant);
        SignedIn session = SignedIn.with(key);
        session.request().get("/v1/files").then().statusCode(200);
        String keyId = as(key).get("/v1/api_keys").then().extract().path("data[0].id");
        asAdmin().delete("/v1/admin/api_keys/" + keyId).then().statusCode(200);
        session.request().get("/v1/files").then().statusCode(401);
    }

    @Test
    void shouldEndASessionIdleForLongerThanItsLimit() throws Exception {
        SignedIn session = SignedIn.with(TestApi.newTenantKey());
        Thread.sleep(5);
        assertThat(sessions.find(session.cookie(), Duration.ofMillis(1), Duration.ofHours(1)))
                .isEmpty();
        session.request().get("/v1/files").then().statusCode(401);
    }

    @Test
    void shouldEndASessionOlderThanItsLifetimeHoweverBusy() throws Exception {
        SignedIn session = SignedIn.with(TestApi.newTenantKey());
        session.request().get("/v1/files").then().statusCode(200);
        Thread.sleep(5);
        assertThat(sessions.find(session.cookie(), Duration.ofHours(1), Duration.ofMillis(1)))
                .isEmpty();
        session.request().get("/v1/files").then().statusCode(401);
    }

    @Test
    void shouldRefuseASignInFromAnotherSiteAndAWrongKey() {
        String key = TestApi.newTenantKey();
        given().redirects()
                .follow(false)
                .header("Sec-Fetch-Site", "cross-site")
                .formParam("key", key)
                .post("/sign-in")
                .then()
                .statusCode(403)
                .header("Set-Cookie", org.hamcrest.Matchers.nullValue());
        given().redirects()
                .follow(false)
                .header("Origin", "https://attacker.example")
                .formParam("key", key)
                .post("/sign-in")
                .then()
                .statusCode(403)
                .header("Set-Cookie", org.hamcrest.Matchers.nullValue());
        given().formParam("key", "sk-anneal-wrong")
                .post("/sign-in")
                .then()
                .statusCode(401)
                .contentType(containsString("text/html"))
                .body(containsString("Incorrect API key provided."))
                .header("Set-Cookie", org.hamcrest.Matchers.nullValue());
    }

    @Test
    void shouldTakeOnlyWhatTheKeysScopesAllow() {
        String tenant = TestApi.newTenant();
        String key =
                asAdmin()
                        .contentType("application/json")
                        .body("{\"scopes\":[\"models\",\"inference\"]}")
                        .post("/v1/admin/tenants/" + tenant + "/api_keys")
                        .then()
                        .statusCode(201)
                        .extract()
                        .path("key");
        SignedIn session = SignedIn.with(key);
        session.request().get("/models").then().statusCode(200);
        session.request()
                .get("/datasets")
                .then()
                .statusCode(403)
                .contentType(containsString("text/html"))
                .body(containsString("lacks the scope &#39;files&#39;"));
    }

    @Test
    void shouldMakeTheSignedInPersonTheAnnotatorOfTheirJudgements() throws Exception {
        String key = TestApi.newTenantKey();
        SignedIn session = SignedIn.with(key);
        String event = UUID.randomUUID().toString();
        session.request()
                .contentType("application/json")
                .body(
                        "{\"event_id\":\""
                                + event
                                + "\",\"type\":\"rating\",\"prompt\":[{\"role\":\"user\","
                                + "\"content\":\"Hi\"}],\"completion\":[{\"role\":\"assistant\","
                                + "\"content\":\"Hello\"}],\"model\":\"anneal-nano\",\"score\":1,"
                                + "\"annotator_id\":\"somebody-else\"}")
                .post("/v1/feedback")
                .then()
                .statusCode(202);
        String keyId = as(key).get("/v1/api_keys").then().extract().path("data[0].id");
        for (int i = 0; i < 100; i++) {
            var stored = as(key).get("/v1/feedback/" + event);
            if (stored.statusCode() == 200) {
                assertThat(stored.jsonPath().getString("annotator_id")).isEqualTo(keyId);
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the judgement was not stored within 20 s");
    }
}
