package dev.anneal.server.tls;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Plaintext HTTP speaks HTTP/1.1 only; HTTP/2 comes with TLS (negotiated by ALPN). Vert.x switches
 * a plaintext connection to HTTP/2 as soon as it has read the headers of a request that asks for it
 * ({@code Upgrade: h2c}, what {@code curl --http2} sends to an {@code http://} URL), so the rest of
 * that request's body was read as HTTP/2 frames and an upload hung until the idle timeout. Without
 * cleartext HTTP/2 the header is ignored and the request is served in HTTP/1.1, as sent.
 */
@ApplicationScoped
public class NoCleartextHttp2 implements HttpServerOptionsCustomizer {

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        options.setHttp2ClearTextEnabled(false);
    }
}
