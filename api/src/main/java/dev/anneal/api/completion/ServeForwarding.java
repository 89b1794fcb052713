package dev.anneal.api.completion;

import dev.anneal.api.RequestIdFilter;
import dev.anneal.api.error.ErrorResponse;
import dev.anneal.api.error.ErrorType;
import dev.anneal.store.LogFields;
import dev.anneal.store.Roles;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * Sends completion requests on to the processes that serve, when this one does not ({@code
 * ANNEAL_ROLES} without {@code serve}) and {@code anneal.serve.url} (env {@code ANNEAL_SERVE_URL})
 * names where they are: in a deployment split into roles, clients keep one address, the API's,
 * while serving scales on its own nodes behind its own Service.
 *
 * <p>The request and the answer stream through unchanged, server-sent events included, as they
 * arrive; the serving process authenticates the caller and checks the request as if it had been
 * sent there. A client that goes away resets the forwarded request, so that serving cancels its
 * sequences. Headers that belong to one connection are not forwarded; {@code X-Forwarded-For} names
 * the client (trusted by the serving process when it lists this one among {@code
 * QUARKUS_HTTP_PROXY_TRUSTED_PROXIES}); the request id carries over, so both processes log the
 * request under one id. Without {@code anneal.serve.url}, such a process answers 503 {@code
 * serving_unavailable} ({@link CompletionRunner#requireServeRole()}).
 */
@ApplicationScoped
public class ServeForwarding {

    private static final Logger LOG = Logger.getLogger(ServeForwarding.class);

    /** Before the REST layer's route, which would otherwise take these paths. */
    private static final int ORDER = -100;

    private static final Set<String> HOP_BY_HOP =
            Set.of(
                    "connection",
                    "keep-alive",
                    "proxy-authenticate",
                    "proxy-authorization",
                    "te",
                    "trailer",
                    "transfer-encoding",
                    "upgrade",
                    "host");

    private final Roles roles;
    private final Optional<URI> serveUrl;
    private final Vertx vertx;
    private HttpClient client;

    @Inject
    ServeForwarding(
            Roles roles,
            Vertx vertx,
            @ConfigProperty(name = "anneal.serve.url") Optional<URI> serveUrl) {
        this.roles = roles;
        this.vertx = vertx;
        this.serveUrl = serveUrl;
    }

    void install(@Observes Router router) {
        if (roles.runs(Roles.SERVE) || serveUrl.isEmpty()) {
            return;
        }
        URI target = serveUrl.get();
        boolean tls = "https".equalsIgnoreCase(target.getScheme());
        client =
                vertx.createHttpClient(
                        new HttpClientOptions()
                                .setSsl(tls)
                                .setDefaultHost(target.getHost())
                                .setDefaultPort(
                                        target.getPort() > 0 ? target.getPort() : tls ? 443 : 80)
                                .setKeepAlive(true)
                                .setMaxPoolSize(64));
        LOG.infof("Completions are forwarded to %s", target);
        router.post("/v1/chat/completions").order(ORDER).handler(this::forward);
        router.post("/v1/completions").order(ORDER).handler(this::forward);
    }

    private void forward(RoutingContext ctx) {
        HttpServerRequest in = ctx.request();
        HttpServerResponse response = ctx.response();
        in.pause();
        String base = serveUrl.get().getPath();
        RequestOptions options =
                new RequestOptions()
                        .setMethod(HttpMethod.POST)
                        .setURI(
                                (base.endsWith("/") ? base.substring(0, base.length() - 1) : base)
                                        + in.uri());
        client.request(options)
                .onFailure(e -> unavailable(ctx, e))
                .onSuccess(
                        out -> {
                            copyHeaders(in.headers(), out.headers());
                            Object requestId = MDC.get(LogFields.REQUEST_ID);
                            if (requestId != null) {
                                out.putHeader(RequestIdFilter.HEADER, requestId.toString());
                            }
                            String client = in.remoteAddress().hostAddress();
                            String forwardedFor = in.getHeader("X-Forwarded-For");
                            out.putHeader(
                                    "X-Forwarded-For",
                                    forwardedFor == null ? client : forwardedFor + ", " + client);
                            response.closeHandler(closed -> out.reset());
                            out.send(in)
                                    .onFailure(e -> unavailable(ctx, e))
                                    .onSuccess(answer -> relay(answer, response));
                        });
    }

    private static void relay(HttpClientResponse answer, HttpServerResponse response) {
        response.setStatusCode(answer.statusCode());
        copyHeaders(answer.headers(), response.headers());
        if (answer.getHeader("Content-Length") == null) {
            response.setChunked(true);
        }
        answer.pipeTo(response);
    }

    private static void copyHeaders(MultiMap from, MultiMap to) {
        from.forEach(
                header -> {
                    if (!HOP_BY_HOP.contains(header.getKey().toLowerCase(Locale.ROOT))) {
                        to.add(header.getKey(), header.getValue());
                    }
                });
    }

    private void unavailable(RoutingContext ctx, Throwable cause) {
        LOG.warnf("Could not forward a completion to %s: %s", serveUrl.get(), cause.toString());
        if (ctx.response().headWritten() || ctx.response().closed()) {
            ctx.response().reset();
            return;
        }
        ctx.response()
                .setStatusCode(503)
                .putHeader("Content-Type", "application/json")
                .putHeader("Retry-After", "1")
                .end(
                        Json.encode(
                                ErrorResponse.of(
                                        "No serving process answered; try again shortly.",
                                        ErrorType.SERVER,
                                        null,
                                        "serving_unavailable")));
    }
}
