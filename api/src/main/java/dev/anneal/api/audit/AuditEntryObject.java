package dev.anneal.api.audit;

import dev.anneal.store.audit.AuditEntry;

/**
 * An audit entry as the API shows it; {@code created_at} in Unix seconds, {@code created_at_us} in
 * microseconds (what the hash covers).
 */
public record AuditEntryObject(
        String object,
        String id,
        long createdAt,
        long createdAtUs,
        String tenantId,
        Actor actor,
        String clientAddress,
        String requestId,
        String action,
        String target,
        String outcome,
        int status,
        String errorCode,
        String prevHash,
        String hash) {

    public record Actor(String type, String id, String name) {}

    static AuditEntryObject of(AuditEntry e) {
        return new AuditEntryObject(
                "audit.entry",
                e.id(),
                e.createdAt().getEpochSecond(),
                e.createdAt().getEpochSecond() * 1_000_000 + e.createdAt().getNano() / 1000,
                e.tenantId(),
                new Actor(e.actor().type(), e.actor().id(), e.actor().name()),
                e.clientAddress(),
                e.requestId(),
                e.action(),
                e.target(),
                e.outcome(),
                e.status(),
                e.errorCode(),
                e.prevHash(),
                e.hash());
    }
}
