package dev.anneal.store.tenant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * A customer of the platform. Everything a tenant owns is scoped to it; its data key, wrapped by
 * the operator's master key, encrypts its blobs.
 */
@Entity
@Table(name = "tenant")
public class Tenant {

    @Id private String id;

    @Column(nullable = false)
    private String name;

    @Column(name = "wrapped_data_key")
    private byte[] wrappedDataKey;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "suspended_at")
    private Instant suspendedAt;

    @Column(name = "erased_at")
    private Instant erasedAt;

    @Column(name = "master_key_id")
    private String masterKeyId;

    protected Tenant() {}

    public Tenant(
            String id, String name, byte[] wrappedDataKey, String masterKeyId, Instant createdAt) {
        this.id = id;
        this.name = name;
        this.wrappedDataKey = wrappedDataKey.clone();
        this.masterKeyId = masterKeyId;
        this.createdAt = createdAt;
    }

    void replaceDataKey(byte[] wrapped, String masterKeyId) {
        this.wrappedDataKey = wrapped.clone();
        this.masterKeyId = masterKeyId;
    }

    /** The id of the master key that wrapped its data key; null if stored before ids existed. */
    public String masterKeyId() {
        return masterKeyId;
    }

    public String id() {
        return id;
    }

    public String name() {
        return name;
    }

    public byte[] wrappedDataKey() {
        return wrappedDataKey.clone();
    }

    public Instant createdAt() {
        return createdAt;
    }

    /** When the administrator suspended it, or null while it is active. */
    /** When its erasure began (its data key is gone), or null. */
    public Instant erasedAt() {
        return erasedAt;
    }

    public Instant suspendedAt() {
        return suspendedAt;
    }

    void suspend(Instant at) {
        if (suspendedAt == null) {
            suspendedAt = at;
        }
    }

    void resume() {
        suspendedAt = null;
    }
}
