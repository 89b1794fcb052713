package dev.anneal.api.error;

import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Answers requests that no route takes with a 404 in the API's error shape, instead of the HTTP
 * server's plain-text page.
 */
@ApplicationScoped
public class UnknownRoutes {

    void install(@Observes Router router) {
        router.route()
                .last()
                .handler(
                        ctx ->
                                ctx.response()
                                        .setStatusCode(404)
                                        .putHeader("Content-Type", "application/json")
                                        .end(
                                                Json.encode(
                                                        ErrorResponse.of(
                                                                "Unknown route: "
                                                                        + ctx.request().path()
                                                                        + ".",
                                                                ErrorType.INVALID_REQUEST,
                                                                null,
                                                                "unknown_route"))));
    }
}
