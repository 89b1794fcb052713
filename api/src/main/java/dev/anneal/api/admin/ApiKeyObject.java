package dev.anneal.api.admin;

import dev.anneal.store.apikey.CreatedApiKey;

/** A newly created API key: the only response that ever carries its secret. */
public record ApiKeyObject(String id, String object, String tenantId, String key, long createdAt) {

    static ApiKeyObject of(CreatedApiKey created) {
        return new ApiKeyObject(
                created.id(),
                "api_key",
                created.tenantId(),
                created.secret(),
                created.createdAt().getEpochSecond());
    }
}
