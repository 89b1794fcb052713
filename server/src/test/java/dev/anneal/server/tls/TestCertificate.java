package dev.anneal.server.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for {@code localhost} and {@code 127.0.0.1}, made by the JDK's {@code
 * keytool} into a PKCS#12 key store and written out as PEM files too.
 */
record TestCertificate(Path keyStore, String password, Path certPem, Path keyPem) {

    static final String ALIAS = "anneal";

    static TestCertificate create() {
        try {
            Path dir = Files.createTempDirectory("anneal-tls-");
            Path keyStore = dir.resolve("server.p12");
            String password = "test-" + System.nanoTime();
            Process keytool =
                    new ProcessBuilder(
                                    Path.of(System.getProperty("java.home"), "bin", "keytool")
                                            .toString(),
                                    "-genkeypair",
                                    "-alias",
                                    ALIAS,
                                    "-keyalg",
                                    "EC",
                                    "-groupname",
                                    "secp256r1",
                                    "-dname",
                                    "CN=localhost",
                                    "-ext",
                                    "SAN=dns:localhost,ip:127.0.0.1",
                                    "-validity",
                                    "2",
                                    "-storetype",
                                    "PKCS12",
                                    "-keystore",
                                    keyStore.toString(),
                                    "-storepass",
                                    password)
                            .redirectErrorStream(true)
                            .start();
            String output = new String(keytool.getInputStream().readAllBytes());
            if (keytool.waitFor() != 0) {
                throw new IllegalStateException("keytool failed: " + output);
            }
            KeyStore store = load(keyStore, password);
            Path certPem = dir.resolve("server.crt");
            Path keyPem = dir.resolve("server.key");
            Files.writeString(
                    certPem, pem("CERTIFICATE", store.getCertificate(ALIAS).getEncoded()));
            Files.writeString(
                    keyPem,
                    pem("PRIVATE KEY", store.getKey(ALIAS, password.toCharArray()).getEncoded()));
            return new TestCertificate(keyStore, password, certPem, keyPem);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client context that trusts this certificate only. */
    SSLContext trustingClient() {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            Certificate certificate = load(keyStore, password).getCertificate(ALIAS);
            trust.setCertificateEntry(ALIAS, certificate);
            TrustManagerFactory factory =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyStore load(Path file, String password) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, password.toCharArray());
        }
        return store;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN "
                + type
                + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END "
                + type
                + "-----\n";
    }
}
