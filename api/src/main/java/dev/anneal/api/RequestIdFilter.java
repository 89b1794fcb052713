package dev.anneal.api;

import dev.anneal.store.Ids;
import dev.anneal.store.LogFields;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * Gives every HTTP request an id to follow it by: the client's {@value #HEADER} header when it is a
 * usable id, a new {@code req-…} id otherwise. The id goes into the logging context as {@code
 * requestId} before anything else handles the request (authentication included, so refusals carry
 * it too) and comes back in the {@value #HEADER} header of every response: errors, unknown routes
 * and event streams alike.
 *
 * <p>Threading: the logging context of a request lives in its Vert.x duplicated context, which
 * Quarkus carries from the event loop to the worker thread that runs a blocking resource; entries
 * put here or by later filters (the tenant) are seen by every line logged for the request, on
 * either thread, and vanish with the context. They are deliberately not cleared when the response
 * ends: a stream's writer may still log after its client went away, and that line should name the
 * request too.
 *
 * <p>At debug level, one line per request: method, path, status and duration.
 */
@ApplicationScoped
public class RequestIdFilter {

    public static final String HEADER = "x-request-id";

    /** What a client's id may be; anything else could forge or garble log lines. */
    private static final Pattern USABLE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    /** Above every other HTTP filter, so that their log lines carry the id too. */
    private static final int PRIORITY = Integer.MAX_VALUE;

    private static final Logger LOG = Logger.getLogger(RequestIdFilter.class);

    void register(@Observes Filters filters) {
        filters.register(this::assign, PRIORITY);
    }

    private void assign(RoutingContext ctx) {
        String id = requestId(ctx.request().getHeader(HEADER));
        long started = System.nanoTime();
        MDC.put(LogFields.REQUEST_ID, id);
        ctx.addHeadersEndHandler(v -> ctx.response().headers().set(HEADER, id));
        if (LOG.isDebugEnabled()) {
            ctx.addEndHandler(
                    done ->
                            LOG.debugf(
                                    "%s %s: %d in %d ms",
                                    ctx.request().method(),
                                    ctx.request().path(),
                                    ctx.response().getStatusCode(),
                                    (System.nanoTime() - started) / 1_000_000));
        }
        ctx.next();
    }

    /** The client's id when it is usable, else a new one. */
    static String requestId(String fromClient) {
        return fromClient != null && USABLE.matcher(fromClient).matches()
                ? fromClient
                : Ids.newId("req");
    }
}
