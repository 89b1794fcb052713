package dev.anneal.store.apikey;

import java.time.Instant;

/** A key just created: the only moment its secret is known. */
public record CreatedApiKey(String id, String tenantId, String secret, Instant createdAt) {

    @Override
    public String toString() {
        return "CreatedApiKey[id=" + id + ", tenantId=" + tenantId + "]";
    }
}
