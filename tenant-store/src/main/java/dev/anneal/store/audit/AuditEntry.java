package dev.anneal.store.audit;

import java.time.Instant;

/**
 * One entry of the audit log.
 *
 * @param seq its place in the chain, from 1
 * @param tenantId the tenant acted on or as, or null for an action outside any tenant
 * @param actor who acted
 * @param clientAddress the client's IP address
 * @param requestId the request's {@code x-request-id}
 * @param action what was done, as {@code object.verb} (e.g. {@code file.create})
 * @param target the id of the object acted on, or null
 * @param outcome {@code succeeded}, {@code denied} (refused by a rule: scope, quota, state) or
 *     {@code failed}
 * @param status the HTTP status answered
 * @param errorCode the error's code when it did not succeed
 * @param prevHash the previous entry's hash (64 zeros for the first)
 * @param hash this entry's hash, over its fields and {@code prevHash}
 */
public record AuditEntry(
        long seq,
        Instant createdAt,
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

    /** The entry's public id. */
    public String id() {
        return id(seq);
    }

    public static String id(long seq) {
        return "audit-" + seq;
    }

    /**
     * Who acted.
     *
     * @param type {@code api_key} (a tenant's key), {@code admin_key} (a named administrator key),
     *     {@code bootstrap} ({@code ANNEAL_ADMIN_KEY}), {@code user} (a portal user) or {@code
     *     system}
     * @param id the key's or user's id
     * @param name the key's name or the user's display name
     */
    public record Actor(String type, String id, String name) {}
}
