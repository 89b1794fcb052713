package dev.anneal.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.util.regex.Pattern;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Routes whose answers stream without holding a thread are resource methods returning a {@code
 * Multi}, and such a method must produce one fixed media type. This filter, before matching, sets
 * the {@code Accept} header those methods are told apart or matched by:
 *
 * <ul>
 *   <li>{@code GET /v1/fine_tuning/jobs/{id}/events}: the {@code stream} parameter chooses between
 *       the list (JSON) and the live stream (server-sent events), two methods on one path;
 *   <li>{@code POST /v1/chat/completions} and {@code /v1/completions}: one method answers JSON or
 *       server-sent events depending on the body's {@code stream}, producing bytes whose
 *       Content-Type each answer sets, so whatever the client accepts reaches it.
 * </ul>
 */
public class StreamingRoutes {

    private static final Pattern EVENTS = Pattern.compile("/?v1/fine_tuning/jobs/[^/]+/events/?");
    private static final Pattern COMPLETIONS = Pattern.compile("/?v1/(chat/)?completions/?");

    @ServerRequestFilter(preMatching = true)
    public void chooseStreamingMethod(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if ("GET".equals(request.getMethod()) && EVENTS.matcher(path).matches()) {
            boolean stream =
                    "true"
                            .equalsIgnoreCase(
                                    request.getUriInfo().getQueryParameters().getFirst("stream"));
            request.getHeaders()
                    .putSingle(
                            HttpHeaders.ACCEPT,
                            stream ? MediaType.SERVER_SENT_EVENTS : MediaType.APPLICATION_JSON);
        } else if ("POST".equals(request.getMethod()) && COMPLETIONS.matcher(path).matches()) {
            request.getHeaders().putSingle(HttpHeaders.ACCEPT, MediaType.APPLICATION_OCTET_STREAM);
        }
    }
}
