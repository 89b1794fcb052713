package dev.anneal.api.error;

import io.quarkus.vertx.http.runtime.VertxHttpRecorder;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Holds a body sent without a declared length (chunked) to its route's limit ({@link BodyLimits})
 * on the bytes actually read: the HTTP layer's blocking reader stops at the limit, answers 413 and
 * closes the connection, so the rest is never buffered. The server-wide {@code
 * quarkus.http.limits.max-body-size} stays as large as the largest upload; this filter, run after
 * it, narrows the limit to the route's.
 *
 * <p>Such a refusal has no JSON body: the reader answers before the application sees the request.
 * Clients that declare a length (all of OpenAI's and every common one for JSON) get the usual error
 * from {@link RequestSizeFilter}. Uploads read their body through their own stream ({@code
 * RequestBodyStream}), which holds it to the same limit and answers with the usual error too.
 */
@ApplicationScoped
public class StreamedBodyLimit {

    /** After Quarkus's own body-size handler (order -2): filters run at order -priority. */
    private static final int PRIORITY = 1;

    private final BodyLimits limits;

    @Inject
    StreamedBodyLimit(BodyLimits limits) {
        this.limits = limits;
    }

    void register(@Observes Filters filters) {
        filters.register(this::narrow, PRIORITY);
    }

    private void narrow(RoutingContext context) {
        if (context.request().getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
            String type = context.request().getHeader(HttpHeaders.CONTENT_TYPE);
            boolean multipart =
                    type != null && type.toLowerCase().startsWith("multipart/form-data");
            context.put(
                    VertxHttpRecorder.MAX_REQUEST_SIZE_KEY,
                    limits.limit(context.normalizedPath(), multipart));
        }
        context.next();
    }
}
