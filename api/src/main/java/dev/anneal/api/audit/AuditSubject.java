package dev.anneal.api.audit;

import jakarta.enterprise.context.RequestScoped;

/**
 * What a resource tells the audit log about the request that only it knows: the tenant an
 * administrator acted on when no path parameter names it ({@link Audited#RESOLVED}).
 */
@RequestScoped
public class AuditSubject {

    private String tenantId;

    /** The tenant acted on. */
    public void tenant(String tenantId) {
        this.tenantId = tenantId;
    }

    String tenant() {
        return tenantId;
    }
}
