package dev.anneal.portal;

import dev.anneal.api.error.ErrorResponse;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

/**
 * Turns the API's errors on a {@link PortalPage} into pages: no live session (401) goes to the
 * sign-in page and back after it; anything else shows the error page with the API's own message, so
 * a page says exactly what the API would ("No such file: ..."), and another tenant's id reads the
 * same as a missing one. An htmx request is sent to the sign-in page with {@code HX-Redirect}.
 */
public class PortalErrors {

    @CheckedTemplate(basePath = "portal")
    static class Templates {
        static native TemplateInstance error(int status, String title, String message);
    }

    /**
     * After the audit log recorded the outcome as the API saw it (response filters run high to
     * low).
     */
    @ServerResponseFilter(priority = Priorities.USER - 1000)
    public void render(
            ContainerRequestContext request,
            ContainerResponseContext response,
            SimpleResourceInfo resource) {
        int status = response.getStatus();
        if (status < 400
                || resource == null
                || resource.getResourceClass() == null
                || !resource.getResourceClass().isAnnotationPresent(PortalPage.class)
                || MediaType.TEXT_HTML_TYPE.isCompatible(response.getMediaType())) {
            return; // not a page, or a page that answered its error itself
        }
        String message =
                response.getEntity() instanceof ErrorResponse error
                        ? error.error().message()
                        : "The request failed (" + status + ").";
        if (status == 401) {
            String next = request.getUriInfo().getRequestUri().getRawPath();
            String signIn = "/sign-in?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8);
            if (request.getHeaderString("HX-Request") != null) {
                response.getHeaders().putSingle("HX-Redirect", signIn);
                response.setEntity("");
                return;
            }
            response.setStatus(303);
            response.getHeaders().putSingle(HttpHeaders.LOCATION, signIn);
            response.setEntity(null);
            return;
        }
        String title =
                switch (status) {
                    case 403 -> "Not allowed";
                    case 404 -> "Not found";
                    case 429 -> "Too many requests";
                    default -> status >= 500 ? "Something went wrong" : "Cannot do that";
                };
        response.setEntity(
                Templates.error(status, title, message).render(), null, MediaType.TEXT_HTML_TYPE);
    }
}
