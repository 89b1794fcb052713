package dev.anneal.portal.signin;

import dev.anneal.api.audit.Audited;
import dev.anneal.api.auth.Identity;
import dev.anneal.api.auth.PortalSignIn;
import dev.anneal.api.auth.PublicRoute;
import dev.anneal.api.error.ApiException;
import dev.anneal.api.error.ErrorType;
import dev.anneal.portal.PortalPage;
import dev.anneal.store.tenant.Tenant;
import dev.anneal.store.tenant.TenantRepository;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * Signing in through single sign-on: Quarkus's OpenID Connect extension runs the authorization-code
 * flow for this one path (and keeps its own cookie to this path only); once the provider vouched
 * for the user, their ID token becomes a portal session like a key's, for the tenant its claim
 * names, with the user's subject as the annotator of their judgements.
 */
@PortalPage
@Path("/sign-in/sso")
@Produces(MediaType.TEXT_HTML)
public class SingleSignOnPage {

    private final SingleSignOn sso;
    private final PortalSignIn signIn;
    private final TenantRepository tenants;
    private final SecurityIdentity identity;

    @Inject
    SingleSignOnPage(
            SingleSignOn sso,
            PortalSignIn signIn,
            TenantRepository tenants,
            SecurityIdentity identity) {
        this.sso = sso;
        this.signIn = signIn;
        this.tenants = tenants;
        this.identity = identity;
    }

    @GET
    @PublicRoute
    @Audited("session.create")
    @Operation(hidden = true)
    public Response signIn(@Context UriInfo uri) {
        if (!sso.enabled()
                || identity.isAnonymous()
                || !(identity.getPrincipal() instanceof JsonWebToken token)) {
            throw new ApiException(
                    404,
                    ErrorType.NOT_FOUND,
                    "Single sign-on is not configured here; sign in with a key.",
                    null,
                    "sso_not_configured");
        }
        String tenantId =
                sso.tenant(token)
                        .map(
                                named ->
                                        tenants.find(named)
                                                .or(() -> tenants.findByName(named))
                                                .map(Tenant::id)
                                                .orElseThrow(
                                                        () ->
                                                                new ApiException(
                                                                        403,
                                                                        ErrorType.PERMISSION,
                                                                        "Your account names the"
                                                                                + " tenant '"
                                                                                + named
                                                                                + "', which does"
                                                                                + " not exist"
                                                                                + " here.",
                                                                        null,
                                                                        "unknown_tenant")))
                        .orElse(null);
        var cookie =
                signIn.withUser(
                        Identity.user(
                                token.getSubject(),
                                SingleSignOn.name(token),
                                tenantId,
                                sso.administrator(token)),
                        "https".equals(uri.getRequestUri().getScheme()));
        return Response.seeOther(URI.create("/")).cookie(cookie).build();
    }
}
