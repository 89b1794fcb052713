package dev.anneal.server.tls;

import dev.anneal.server.AnnealTestResources;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** HTTPS with HTTP/2 from a PEM certificate and key, as cert-manager and most CAs hand them out. */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
@TestProfile(PemCertificateIT.Pem.class)
class PemCertificateIT {

    static final TestCertificate CERTIFICATE = TestCertificate.create();

    public static class Pem implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "anneal.tls.cert", CERTIFICATE.certPem().toString(),
                    "anneal.tls.key", CERTIFICATE.keyPem().toString(),
                    "quarkus.http.test-ssl-enabled", "true");
        }
    }

    @Test
    void shouldServeTheApiAndManagementOverTlsOnly() throws Exception {
        TlsSupport.assertServedOverTlsOnly(CERTIFICATE);
    }
}
