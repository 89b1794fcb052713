package dev.anneal.portal.signin;

import dev.anneal.api.audit.Audited;
import dev.anneal.api.auth.Credentials;
import dev.anneal.api.auth.PortalSessionCookie;
import dev.anneal.api.auth.PortalSignIn;
import dev.anneal.api.auth.PublicRoute;
import dev.anneal.api.error.ApiException;
import dev.anneal.portal.PortalPage;
import dev.anneal.store.session.PortalSession;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.vertx.core.http.HttpServerRequest;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * Signing in and out of the portal. A key (a tenant's API key or an administrator key) is exchanged
 * for a session cookie on the spot: the key itself is never stored in the browser. The form is
 * refused when it is posted from another site (a forged sign-in would put the victim in the
 * attacker's tenant).
 */
@PortalPage
@Path("/")
@Produces(MediaType.TEXT_HTML)
public class SignInPage {

    @CheckedTemplate(basePath = "signin")
    static class Templates {
        static native TemplateInstance form(String next, String error, boolean sso);
    }

    private final PortalSignIn signIn;
    private final PortalSessionCookie cookies;
    private final SingleSignOn sso;

    @Inject
    SignInPage(PortalSignIn signIn, PortalSessionCookie cookies, SingleSignOn sso) {
        this.signIn = signIn;
        this.cookies = cookies;
        this.sso = sso;
    }

    @GET
    @PublicRoute
    @Operation(hidden = true)
    public Response start(@CookieParam(PortalSessionCookie.NAME) String session) {
        Optional<PortalSession> live = session == null ? Optional.empty() : cookies.find(session);
        String where =
                live.isEmpty()
                        ? "/sign-in"
                        : live.get().principal().tenantId() != null ? "/datasets" : "/admin";
        return Response.seeOther(URI.create(where)).build();
    }

    @GET
    @Path("sign-in")
    @PublicRoute
    @Operation(hidden = true)
    public TemplateInstance form(@QueryParam("next") String next) {
        return Templates.form(safeNext(next), null, sso.enabled());
    }

    @POST
    @Path("sign-in")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @PublicRoute
    @Audited("session.create")
    @Operation(hidden = true)
    public Response signIn(
            @FormParam("key") String key,
            @FormParam("next") String next,
            @HeaderParam("Sec-Fetch-Site") String fetchSite,
            @HeaderParam("Origin") String origin,
            @Context UriInfo uri,
            @Context HttpServerRequest connection) {
        if ("cross-site".equals(fetchSite) || !sameOrigin(origin, uri.getRequestUri())) {
            return page(403, next, "Signing in is only possible from this site's own form.");
        }
        try {
            boolean secure = "https".equals(uri.getRequestUri().getScheme());
            var cookie = signIn.withKey(key, Credentials.clientAddress(connection), secure);
            return Response.seeOther(URI.create(safeNext(next))).cookie(cookie).build();
        } catch (ApiException e) {
            return page(e.status(), next, e.toResponse().error().message());
        }
    }

    @POST
    @Path("sign-out")
    @PublicRoute
    @Audited("session.delete")
    @Operation(hidden = true)
    public Response signOut(
            @CookieParam(PortalSessionCookie.NAME) String session,
            @HeaderParam(PortalSessionCookie.CSRF_HEADER) String token,
            @Context UriInfo uri) {
        if (session != null) {
            signIn.signOut(session, token);
        }
        return Response.noContent()
                .header("HX-Redirect", "/sign-in")
                .cookie(cookies.cleared("https".equals(uri.getRequestUri().getScheme())))
                .build();
    }

    private Response page(int status, String next, String error) {
        return Response.status(status)
                .type(MediaType.TEXT_HTML_TYPE)
                .entity(Templates.form(safeNext(next), error, sso.enabled()).render())
                .build();
    }

    /**
     * Whether a form's {@code Origin} (absent from older browsers and tools) names this host. The
     * scheme and port are not compared: behind a proxy that ends TLS they differ from the
     * request's.
     */
    static boolean sameOrigin(String origin, URI request) {
        if (origin == null || origin.isBlank()) {
            return true;
        }
        String host = URI.create(origin).getHost();
        return host != null && host.equalsIgnoreCase(request.getHost());
    }

    /** Where to go after signing in: a path of this site only, never another site. */
    static String safeNext(String next) {
        if (next == null
                || !next.startsWith("/")
                || next.startsWith("//")
                || next.startsWith("/\\")
                || next.startsWith("/sign-")) {
            return "/";
        }
        return next;
    }
}
