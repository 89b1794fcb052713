package dev.anneal.portal;

import jakarta.ws.rs.container.ContainerResponseContext;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

/**
 * What every portal page tells the browser: scripts, styles and connections from this origin only
 * (no inline script, nothing from elsewhere), no framing by another site, and no referrer sent
 * along when a link leaves.
 */
public class PortalHeaders {

    static final String CONTENT_SECURITY_POLICY =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
                    + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none';"
                    + " form-action 'self'; object-src 'none'";

    @ServerResponseFilter
    public void addHeaders(ContainerResponseContext response, SimpleResourceInfo resource) {
        if (resource == null
                || resource.getResourceClass() == null
                || !resource.getResourceClass().isAnnotationPresent(PortalPage.class)) {
            return;
        }
        response.getHeaders().putSingle("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        response.getHeaders().putSingle("X-Frame-Options", "DENY");
        response.getHeaders().putSingle("Referrer-Policy", "same-origin");
    }
}
