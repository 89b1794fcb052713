package dev.anneal.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.HttpHeaders;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Headers every API answer carries: {@code X-Content-Type-Options: nosniff}, so that a browser
 * never reads a tenant's downloaded data as something else than its declared type, and {@code
 * Cache-Control: no-store} unless the route set its own, so that no proxy or browser cache keeps a
 * tenant's answers.
 */
public class SecurityHeaders {

    @ServerResponseFilter
    public void addHeaders(ContainerRequestContext request, ContainerResponseContext response) {
        response.getHeaders().putSingle("X-Content-Type-Options", "nosniff");
        if (!response.getHeaders().containsKey(HttpHeaders.CACHE_CONTROL)) {
            response.getHeaders().putSingle(HttpHeaders.CACHE_CONTROL, "no-store");
        }
    }
}
