package dev.anneal.api.usage;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import java.util.Locale;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Adds OpenAI's request rate headers to every response of a request a tenant's key made, refused or
 * not: {@code x-ratelimit-limit-requests}, {@code x-ratelimit-remaining-requests} and {@code
 * x-ratelimit-reset-requests} (a duration such as {@code 20ms} or {@code 1s}).
 */
public class RateLimitHeaders {

    /** The request property holding the request's {@link RequestRates.Decision}. */
    public static final String DECISION = "anneal.rate-limit";

    @ServerResponseFilter
    public void addHeaders(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getProperty(DECISION) instanceof RequestRates.Decision decision) {
            response.getHeaders().putSingle("x-ratelimit-limit-requests", decision.limit());
            response.getHeaders().putSingle("x-ratelimit-remaining-requests", decision.remaining());
            response.getHeaders()
                    .putSingle("x-ratelimit-reset-requests", duration(decision.resetMillis()));
        }
    }

    /**
     * A duration as OpenAI writes it: {@code 120ms} below a second, else {@code 1s}, {@code 2.5s}.
     */
    static String duration(long millis) {
        if (millis < 1000) {
            return millis + "ms";
        }
        return millis % 1000 == 0
                ? millis / 1000 + "s"
                : String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
    }
}
