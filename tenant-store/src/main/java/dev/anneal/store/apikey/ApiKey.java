package dev.anneal.store.apikey;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

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

    protected ApiKey() {}

    ApiKey(String id, String tenantId, byte[] keyHash, String keyHint, Instant createdAt) {
        this.id = id;
        this.tenantId = tenantId;
        this.keyHash = keyHash.clone();
        this.keyHint = keyHint;
        this.createdAt = createdAt;
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

    void revoke(Instant at) {
        if (revokedAt == null) {
            revokedAt = at;
        }
    }
}
