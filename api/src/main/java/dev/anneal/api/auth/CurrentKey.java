package dev.anneal.api.auth;

import dev.anneal.store.audit.AuditEntry;
import dev.anneal.store.session.PortalSession;
import jakarta.enterprise.context.RequestScoped;

/**
 * The credential a request was authenticated with: who acts ({@link #actor()}, for the audit log),
 * for a tenant's key its id, and for a portal request its session.
 */
@RequestScoped
public class CurrentKey {

    private String id;
    private AuditEntry.Actor actor;
    private PortalSession session;

    void set(String id) {
        this.id = id;
    }

    void actor(AuditEntry.Actor actor) {
        this.actor = actor;
    }

    void session(PortalSession session) {
        this.session = session;
    }

    /**
     * The tenant key's id, or null when the request carries an administrator key or a user's
     * session.
     */
    public String id() {
        return id;
    }

    /** Who the credential says is acting, once it is known; null before that or for a wrong one. */
    public AuditEntry.Actor actor() {
        return actor;
    }

    /** The portal session the request came with, or null for a bearer key. */
    public PortalSession session() {
        return session;
    }
}
