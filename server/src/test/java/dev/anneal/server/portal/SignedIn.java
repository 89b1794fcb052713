package dev.anneal.server.portal;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A portal session opened through the sign-in form, for tests that speak HTTP without a browser:
 * its cookie and the token its changes must repeat.
 */
record SignedIn(String cookie, String csrf) {

    private static final Pattern CSRF = Pattern.compile("data-csrf=\"([^\"]+)\"");

    /** Signs in with {@code key}; the session's token is read from a page, as a script reads it. */
    static SignedIn with(String key) {
        Response signIn = signIn(key);
        String cookie = signIn.getCookie("anneal_session");
        assertThat(cookie).isNotBlank();
        String page =
                given().redirects()
                        .follow(false)
                        .cookie("anneal_session", cookie)
                        .get(signIn.getHeader("Location").replaceFirst("^https?://[^/]+", ""))
                        .then()
                        .extract()
                        .asString();
        String csrf = "";
        Matcher m = CSRF.matcher(page);
        if (m.find()) {
            csrf = m.group(1);
        } else {
            // an administrator lands on a redirect; any page of the session carries the token
            String admin = given().cookie("anneal_session", cookie).get("/admin").asString();
            Matcher a = CSRF.matcher(admin);
            assertThat(a.find()).as("a page of the session carries its token").isTrue();
            csrf = a.group(1);
        }
        return new SignedIn(cookie, csrf);
    }

    /** Posts the sign-in form with {@code key}; the answer is a redirect with the cookie. */
    static Response signIn(String key) {
        return given().redirects()
                .follow(false)
                .formParam("key", key)
                .post("/sign-in")
                .then()
                .statusCode(303)
                .extract()
                .response();
    }

    /** A request carrying only the session cookie, as a page's script without the token would. */
    RequestSpecification withoutToken() {
        return given().redirects().follow(false).cookie("anneal_session", cookie);
    }

    /** A request as the page's script sends it: the cookie and the session's token. */
    RequestSpecification request() {
        return withoutToken().header("X-CSRF-Token", csrf);
    }
}
