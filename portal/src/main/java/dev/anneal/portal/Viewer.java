package dev.anneal.portal;

import dev.anneal.api.auth.CurrentKey;
import dev.anneal.store.session.PortalSession;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;

/**
 * Who is looking at a page, for its frame ({@code inject:viewer} in the templates): the name shown,
 * whether the administrator console is theirs, and the session's token that the page's scripts send
 * with every change.
 */
@Named("viewer")
@RequestScoped
public class Viewer {

    private final CurrentKey currentKey;

    @Inject
    Viewer(CurrentKey currentKey) {
        this.currentKey = currentKey;
    }

    public boolean signedIn() {
        return session() != null;
    }

    /** The signed-in key's or user's name. */
    public String name() {
        PortalSession session = session();
        return session == null ? "" : session.principal().displayName();
    }

    /**
     * Who acts: the key's id, or the single-sign-on user's subject (the annotator of judgements).
     */
    public String subject() {
        PortalSession session = session();
        return session == null ? "" : session.subject();
    }

    public boolean administrator() {
        PortalSession session = session();
        return session != null && session.principal().administrator();
    }

    /** Whether the session reaches a tenant's data (datasets, jobs, models, the playground). */
    public boolean tenant() {
        PortalSession session = session();
        return session != null && session.principal().tenantId() != null;
    }

    public String csrfToken() {
        PortalSession session = session();
        return session == null ? "" : session.csrfToken();
    }

    private PortalSession session() {
        return currentKey.session();
    }
}
