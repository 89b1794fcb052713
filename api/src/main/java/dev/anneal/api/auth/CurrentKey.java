package dev.anneal.api.auth;

import dev.anneal.store.audit.AuditEntry;
import jakarta.enterprise.context.RequestScoped;

/**
 * The key a request was authenticated with: who acts ({@link #actor()}, for the audit log) and, for
 * a tenant's key, its id.
 */
@RequestScoped
public class CurrentKey {

    private String id;
    private AuditEntry.Actor actor;

    void set(String id) {
        this.id = id;
    }

    void actor(AuditEntry.Actor actor) {
        this.actor = actor;
    }

    /** The tenant key's id, or null when the request carries an administrator key. */
    public String id() {
        return id;
    }

    /** Who the key says is acting, once the key is known; null before that or for a wrong key. */
    public AuditEntry.Actor actor() {
        return actor;
    }
}
