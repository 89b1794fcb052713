package dev.anneal.server.tls;

import dev.anneal.server.AnnealTestResources;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** HTTPS with HTTP/2 from a password-protected PKCS#12 key store. */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
@TestProfile(KeyStoreCertificateIT.KeyStore.class)
class KeyStoreCertificateIT {

    static final TestCertificate CERTIFICATE = TestCertificate.create();

    public static class KeyStore implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "anneal.tls.keystore", CERTIFICATE.keyStore().toString(),
                    "anneal.tls.keystore-password", CERTIFICATE.password(),
                    "quarkus.http.test-ssl-enabled", "true");
        }
    }

    @Test
    void shouldServeTheApiAndManagementOverTlsOnly() throws Exception {
        TlsSupport.assertServedOverTlsOnly(CERTIFICATE);
    }
}
