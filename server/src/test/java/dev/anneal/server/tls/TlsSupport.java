package dev.anneal.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.server.TestApi;
import io.restassured.RestAssured;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.eclipse.microprofile.config.ConfigProvider;

/** What both TLS tests check, the certificate given as PEM files or as a PKCS#12 key store. */
final class TlsSupport {

    private TlsSupport() {}

    static void assertServedOverTlsOnly(TestCertificate certificate) throws Exception {
        HttpClient client =
                HttpClient.newBuilder()
                        .sslContext(certificate.trustingClient())
                        .version(HttpClient.Version.HTTP_2)
                        .connectTimeout(Duration.ofSeconds(5))
                        .build();
        RestAssured.useRelaxedHTTPSValidation();
        String key = TestApi.newTenantKey();
        HttpResponse<String> files =
                client.send(
                        HttpRequest.newBuilder(URI.create(url("test.url.ssl") + "/v1/files"))
                                .header("Authorization", "Bearer " + key)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(files.statusCode()).isEqualTo(200);
        assertThat(files.version()).isEqualTo(HttpClient.Version.HTTP_2);

        // an upload's body is read by the API itself (RequestBodyStream): over HTTP/2 as well
        String content = (TestApi.chatLine("over TLS") + "\n").repeat(20_000);
        HttpResponse<String> upload =
                client.send(
                        HttpRequest.newBuilder(URI.create(url("test.url.ssl") + "/v1/files"))
                                .header("Authorization", "Bearer " + key)
                                .header("Content-Type", "multipart/form-data; boundary=tls")
                                .POST(
                                        HttpRequest.BodyPublishers.ofString(
                                                "--tls\r\nContent-Disposition: form-data;"
                                                        + " name=\"purpose\"\r\n\r\nfine-tune\r\n"
                                                        + "--tls\r\nContent-Disposition: form-data;"
                                                        + " name=\"file\"; filename=\"t.jsonl\""
                                                        + "\r\n\r\n"
                                                        + content
                                                        + "\r\n--tls--\r\n"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(upload.statusCode()).as(upload.body()).isEqualTo(200);
        assertThat(upload.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(upload.body()).contains("\"line_count\":20000");

        HttpResponse<String> health =
                client.send(
                        HttpRequest.newBuilder(
                                        URI.create(
                                                url("test.management.url.ssl") + "/health/ready"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);

        // a portal session's cookie is Secure under TLS: the browser never sends it in plaintext
        HttpResponse<String> signIn =
                client.send(
                        HttpRequest.newBuilder(URI.create(url("test.url.ssl") + "/sign-in"))
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .POST(HttpRequest.BodyPublishers.ofString("key=" + key))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(signIn.statusCode()).isEqualTo(303);
        assertThat(signIn.headers().firstValue("Set-Cookie").orElse(""))
                .startsWith("anneal_session=")
                .contains("Secure", "HttpOnly", "SameSite=Strict");

        // no plaintext listener beside the TLS one
        assertThat(
                        ConfigProvider.getConfig()
                                .getValue("quarkus.http.insecure-requests", String.class))
                .isEqualTo("disabled");
    }

    private static String url(String name) {
        return ConfigProvider.getConfig().getValue(name, String.class);
    }
}
