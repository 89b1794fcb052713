package dev.anneal.api.job;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.util.regex.Pattern;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Lets the {@code stream} parameter of {@code GET /v1/fine_tuning/jobs/{id}/events} choose between
 * the list and the live stream, as the API documents: the two are separate resource methods (the
 * stream returns a {@code Multi}, which holds no thread, and such a method must produce one fixed
 * media type), told apart by the {@code Accept} header this filter sets before matching.
 */
public class EventStreamNegotiation {

    private static final Pattern EVENTS = Pattern.compile("/?v1/fine_tuning/jobs/[^/]+/events/?");

    @ServerRequestFilter(preMatching = true)
    public void chooseByStreamParameter(ContainerRequestContext request) {
        if (!"GET".equals(request.getMethod())
                || !EVENTS.matcher(request.getUriInfo().getPath()).matches()) {
            return;
        }
        boolean stream =
                "true"
                        .equalsIgnoreCase(
                                request.getUriInfo().getQueryParameters().getFirst("stream"));
        request.getHeaders()
                .putSingle(
                        HttpHeaders.ACCEPT,
                        stream ? MediaType.SERVER_SENT_EVENTS : MediaType.APPLICATION_JSON);
    }
}
