package dev.anneal.api.auth;

import dev.anneal.store.session.PortalSession;
import dev.anneal.store.tenant.CurrentTenant;
import dev.anneal.store.tenant.SuspendedTenants;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.NewCookie;
import java.time.Instant;
import java.util.Optional;

/**
 * Exchanges a key, or a user signed in through single sign-on, for a portal session. The key is
 * checked as every bearer request's is ({@link Credentials}): a wrong key counts as a failed
 * authentication, an expired key or a suspended tenant is refused. The request's actor and tenant
 * are set, so the audit log records who signed in.
 */
@ApplicationScoped
public class PortalSignIn {

    private final Credentials credentials;
    private final PortalSessionCookie cookies;
    private final CurrentKey currentKey;
    private final CurrentTenant currentTenant;
    private final SuspendedTenants suspended;

    @Inject
    PortalSignIn(
            Credentials credentials,
            PortalSessionCookie cookies,
            CurrentKey currentKey,
            CurrentTenant currentTenant,
            SuspendedTenants suspended) {
        this.credentials = credentials;
        this.cookies = cookies;
        this.currentKey = currentKey;
        this.currentTenant = currentTenant;
        this.suspended = suspended;
    }

    /** Signs in with a key, from a client at {@code address}; returns the session's cookie. */
    public NewCookie withKey(String secret, String address, boolean secure) {
        if (secret == null || secret.isBlank()) {
            throw AuthenticationFilter.unauthorized(
                    "Enter an API key or an administrator key.", "invalid_api_key");
        }
        return open(credentials.identify(secret.strip(), address), secure);
    }

    /** Signs in a user whom the single-sign-on provider vouched for. */
    public NewCookie withUser(Identity user, boolean secure) {
        return open(user, secure);
    }

    /**
     * Ends the session whose cookie holds {@code secret}, if its token ({@code csrfToken}) is
     * repeated; returns whether one was ended. The session's actor is set for the audit log.
     */
    public boolean signOut(String secret, String csrfToken) {
        Optional<PortalSession> session = cookies.find(secret);
        if (session.isEmpty()) {
            return false;
        }
        PortalSession.Principal who = session.get().principal();
        currentKey.actor(Identity.actorOf(who));
        if (who.tenantId() != null) {
            currentTenant.set(who.tenantId());
        }
        AuthenticationFilter.requireToken(session.get(), csrfToken);
        cookies.close(secret);
        return true;
    }

    /** A key's name, or for a key without one its first characters. */
    private static String displayName(Identity who) {
        if (who == Identity.BOOTSTRAP) {
            return "Administrator";
        }
        if (who.actor().name() != null) {
            return who.actor().name();
        }
        return who.key() != null ? "API key " + who.key().keyHint() + "…" : who.actor().id();
    }

    private NewCookie open(Identity who, boolean secure) {
        currentKey.actor(who.actor());
        if (who.tenantId() != null) {
            currentTenant.set(who.tenantId());
            if (who.key() != null && who.key().isExpired(Instant.now())) {
                throw AuthenticationFilter.unauthorized(
                        "This API key expired at " + who.key().expiresAt() + "; create a new one.",
                        "expired_api_key");
            }
            if (suspended.isSuspended(who.tenantId())) {
                throw AuthenticationFilter.forbidden(
                        "This tenant is suspended; its administrator can resume it.",
                        "tenant_suspended");
            }
        } else if (!who.administrator()) {
            throw AuthenticationFilter.forbidden(
                    "This user belongs to no tenant; ask an administrator for access.",
                    "forbidden");
        }
        PortalSession.Kind kind =
                switch (who.actor().type()) {
                    case "bootstrap" -> PortalSession.Kind.BOOTSTRAP;
                    case "admin_key" -> PortalSession.Kind.ADMIN_KEY;
                    case "api_key" -> PortalSession.Kind.API_KEY;
                    default -> PortalSession.Kind.OIDC;
                };
        String keyId = kind == PortalSession.Kind.OIDC ? null : who.actor().id();
        return cookies.open(
                new PortalSession.Principal(
                        kind,
                        who.tenantId(),
                        keyId,
                        who.actor().id(),
                        displayName(who),
                        who.administrator()),
                secure);
    }
}
