package dev.anneal.store.apikey;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A tenant's API key. Only the SHA-256 of the secret is stored; the secret itself is shown once,
 * when the key is created. Keys are looked up before the tenant is known, so this entity is
 * deliberately not tenant-discriminated.
 */
@Entity
@Table(name = "api_key")
public class ApiKey {

    @Id private String id;

    @Column(name = "tenant_id", nullable = false)
    private String tenantId;

    @Column(name = "key_hash", nullable = false)
    private byte[] keyHash;

    /** The first characters of the secret, enough to recognise a key in a list. */
    @Column(name = "key_hint", nullable = false)
    private String keyHint;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "revoked_at")
    private Instant revokedAt;

    @Column(name = "name")
    private String name;

    /** The scopes' names, comma-separated; null for every scope. */
    @Column(name = "scopes")
    private String scopes;

    @Column(name = "expires_at")
    private Instant expiresAt;

    @Column(name = "last_used_at")
    private Instant lastUsedAt;

    protected ApiKey() {}

    ApiKey(
            String id,
            String tenantId,
            byte[] keyHash,
            String keyHint,
            Instant createdAt,
            String name,
            Set<Scope> scopes,
            Instant expiresAt) {
        this.id = id;
        this.tenantId = tenantId;
        this.keyHash = keyHash.clone();
        this.keyHint = keyHint;
        this.createdAt = createdAt;
        this.name = name;
        this.scopes =
                scopes.containsAll(EnumSet.allOf(Scope.class))
                        ? null
                        : scopes.stream().map(Scope::wireName).collect(Collectors.joining(","));
        this.expiresAt = expiresAt;
    }

    public String id() {
        return id;
    }

    public String tenantId() {
        return tenantId;
    }

    public String keyHint() {
        return keyHint;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public boolean isRevoked() {
        return revokedAt != null;
    }

    /** The name its creator gave it, or null. */
    public String name() {
        return name;
    }

    /** What it may do. */
    public Set<Scope> scopes() {
        if (scopes == null) {
            return EnumSet.allOf(Scope.class);
        }
        Set<Scope> held = EnumSet.noneOf(Scope.class);
        for (String scope : scopes.split(",")) {
            Scope.fromWireName(scope).ifPresent(held::add);
        }
        return held;
    }

    /** When it stops working, or null if never. */
    public Instant expiresAt() {
        return expiresAt;
    }

    /** Whether it has expired at {@code now}. */
    public boolean isExpired(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    /** When it was last used (to the minute), or null if never. */
    public Instant lastUsedAt() {
        return lastUsedAt;
    }

    void revoke(Instant at) {
        if (revokedAt == null) {
            revokedAt = at;
        }
    }
}
