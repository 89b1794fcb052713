package dev.anneal.store.session;

import java.time.Instant;

/**
 * A signed-in portal session: who it stands for, the token its state-changing requests repeat, and
 * its times.
 */
public record PortalSession(
        Principal principal, String csrfToken, Instant createdAt, Instant lastSeenAt) {

    /** What a session was opened with. */
    public enum Kind {
        /** A tenant's API key: the key's scopes, checked again on every request. */
        API_KEY,
        /** A named administrator key. */
        ADMIN_KEY,
        /** The bootstrap administrator key, {@code ANNEAL_ADMIN_KEY}. */
        BOOTSTRAP,
        /** A user signed in through OpenID Connect. */
        OIDC
    }

    /**
     * Who a session stands for.
     *
     * @param tenantId the tenant whose data it reaches, or null for an administrator
     * @param keyId the key it was opened with, or null for a single-sign-on user
     * @param subject who acts: the key's id, or the user's subject
     * @param displayName what the portal shows: the key's or the user's name
     */
    public record Principal(
            Kind kind,
            String tenantId,
            String keyId,
            String subject,
            String displayName,
            boolean administrator) {}

    public Kind kind() {
        return principal.kind();
    }

    public String subject() {
        return principal.subject();
    }
}
