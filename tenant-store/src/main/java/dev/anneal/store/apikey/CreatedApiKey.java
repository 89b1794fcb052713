package dev.anneal.store.apikey;

/** A key just created: the only moment its secret is known. */
public record CreatedApiKey(ApiKey key, String secret) {

    @Override
    public String toString() {
        return "CreatedApiKey[id=" + key.id() + ", tenantId=" + key.tenantId() + "]";
    }
}
