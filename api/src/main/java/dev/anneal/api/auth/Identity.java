package dev.anneal.api.auth;

import dev.anneal.store.apikey.ApiKey;
import dev.anneal.store.audit.AuditEntry;
import dev.anneal.store.session.PortalSession;

/**
 * Who a credential names, once checked: an administrator (the bootstrap key, a named administrator
 * key, or a single-sign-on administrator), a tenant's API key, or a single-sign-on user of a
 * tenant.
 *
 * @param actor who acts, for the audit log
 * @param administrator whether it may call administrator routes
 * @param tenantId the tenant whose data it reaches, or null
 * @param key the tenant's API key, or null: a single-sign-on user holds every scope of its tenant
 */
public record Identity(AuditEntry.Actor actor, boolean administrator, String tenantId, ApiKey key) {

    /** The bootstrap administrator key, {@code ANNEAL_ADMIN_KEY}. */
    static final Identity BOOTSTRAP =
            new Identity(
                    new AuditEntry.Actor("bootstrap", "admin", "ANNEAL_ADMIN_KEY"),
                    true,
                    null,
                    null);

    /** Who acts for a portal session, as its audit entries name it. */
    static AuditEntry.Actor actorOf(PortalSession.Principal who) {
        String type =
                switch (who.kind()) {
                    case BOOTSTRAP -> "bootstrap";
                    case ADMIN_KEY -> "admin_key";
                    case API_KEY -> "api_key";
                    case OIDC -> "user";
                };
        return new AuditEntry.Actor(type, who.subject(), who.displayName());
    }

    static Identity administratorKey(String id, String name) {
        return new Identity(new AuditEntry.Actor("admin_key", id, name), true, null, null);
    }

    static Identity apiKey(ApiKey key) {
        return new Identity(
                new AuditEntry.Actor("api_key", key.id(), key.name()), false, key.tenantId(), key);
    }

    /** A user signed in through single sign-on. */
    public static Identity user(
            String subject, String name, String tenantId, boolean administrator) {
        return new Identity(
                new AuditEntry.Actor("user", subject, name), administrator, tenantId, null);
    }
}
