package dev.anneal.server.portal;

import static dev.anneal.server.TestApi.as;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.AriaRole;
import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.oidc.server.OidcWireMock;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.smallrye.jwt.build.Jwt;
import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Single sign-on in Chromium, end to end against a WireMock OpenID Connect provider with a login
 * form: the user signs in on the provider's page and comes back signed in to the tenant their token
 * names, shown by name, the annotator of their judgements by their subject; a user of the
 * administrators' group comes back to the administrator console.
 */
@QuarkusTest
@TestProfile(PortalSingleSignOnIT.WithProvider.class)
@WithTestResource(AnnealTestResources.class)
class PortalSingleSignOnIT {

    /** The test provider as the portal's single sign-on. */
    public static class WithProvider implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "anneal.oidc.auth-server-url", "${keycloak.url}/realms/quarkus/",
                    "anneal.oidc.client-id", CLIENT,
                    "anneal.oidc.client-secret", "secret");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(OidcWiremockTestResource.class));
        }
    }

    private static final String CLIENT = "anneal-portal";

    @OidcWireMock WireMockServer provider;

    @TestHTTPResource("/")
    URL root;

    @Test
    void shouldSignAUserInAsTheTenantTheirTokenNames() throws Exception {
        String tenant = TestApi.newTenant();
        issue(
                Map.of(
                        "sub",
                        "alice-7",
                        "name",
                        "Alice Example",
                        "anneal_tenant",
                        tenant,
                        "groups",
                        Set.of("staff")));
        try (PortalBrowser browser = PortalBrowser.open(root.toString())) {
            Page page = browser.page();
            PortalBrowser.onFailure(
                    page,
                    "sso-failure",
                    () -> {
                        signInThroughProvider(page);
                        page.waitForURL(url -> url.endsWith("/datasets"));
                        PlaywrightAssertions.assertThat(page.locator(".who .name"))
                                .hasText("Alice Example");
                        PortalBrowser.review(page, "sso-signed-in");
                        Object status =
                                page.evaluate(
                                        "async () => (await anneal.api('POST', '/v1/feedback',"
                                                + " {event_id: '7d1f0c52-1c1e-4c59-9a57-1d0c1f1a2b3c',"
                                                + " type: 'rating', prompt: [{role: 'user',"
                                                + " content: 'Hi'}], completion: [{role:"
                                                + " 'assistant', content: 'Hello'}], model:"
                                                + " 'anneal-nano', score: 1})).status");
                        assertThat(status).isEqualTo(202);
                    });
        }
        String key = TestApi.newKey(tenant);
        for (int i = 0; i < 100; i++) {
            var stored = as(key).get("/v1/feedback/7d1f0c52-1c1e-4c59-9a57-1d0c1f1a2b3c");
            if (stored.statusCode() == 200) {
                assertThat(stored.jsonPath().getString("annotator_id")).isEqualTo("alice-7");
                List<Map<String, Object>> entries =
                        as(key).get("/v1/audit").then().extract().path("data");
                assertThat(entries)
                        .anySatisfy(
                                e -> {
                                    assertThat(e.get("action")).isEqualTo("session.create");
                                    assertThat(e)
                                            .extractingByKey("actor")
                                            .asString()
                                            .contains("alice-7", "user");
                                });
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the judgement was not stored within 20 s");
    }

    @Test
    void shouldSignAnAdministratorInToTheConsole() throws Exception {
        issue(
                Map.of(
                        "sub",
                        "root-1",
                        "preferred_username",
                        "rootie",
                        "groups",
                        Set.of("anneal-admin")));
        try (PortalBrowser browser = PortalBrowser.open(root.toString())) {
            Page page = browser.page();
            PortalBrowser.onFailure(
                    page,
                    "sso-admin-failure",
                    () -> {
                        signInThroughProvider(page);
                        page.waitForURL(url -> url.endsWith("/admin"));
                        PlaywrightAssertions.assertThat(page.locator(".who .name"))
                                .hasText("rootie");
                        PlaywrightAssertions.assertThat(page.locator("h1")).hasText("Tenants");
                    });
        }
    }

    /** From the sign-in page through the provider's login form, as a person does. */
    private static void signInThroughProvider(Page page) {
        page.navigate("/sign-in");
        page.getByRole(
                        AriaRole.LINK,
                        new Page.GetByRoleOptions().setName("Sign in with single sign-on"))
                .click();
        page.locator("#username").fill("alice");
        page.locator("#password").fill("alice");
        page.locator("#login").click();
    }

    /** Has the provider answer the next code exchange with an ID token of these claims. */
    private void issue(Map<String, Object> claims) {
        var builder = Jwt.claims(claims).issuer("https://server.example.com").audience(CLIENT);
        String token = builder.jws().keyId("1").sign("privateKey.jwk");
        provider.stubFor(
                WireMock.post("/auth/realms/quarkus/token")
                        .withRequestBody(WireMock.containing("authorization_code"))
                        .willReturn(
                                WireMock.aResponse()
                                        .withHeader("Content-Type", "application/json")
                                        .withBody(
                                                "{\"access_token\":\""
                                                        + token
                                                        + "\",\"id_token\":\""
                                                        + token
                                                        + "\",\"expires_in\":300}")));
    }
}
