package dev.anneal.api.apikey;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.anneal.store.apikey.ApiKey;
import dev.anneal.store.apikey.CreatedApiKey;
import dev.anneal.store.apikey.Scope;
import java.time.Instant;
import java.util.List;

/**
 * An API key as the API shows it; {@code key}, the secret, only in the answer that created it.
 *
 * @param prefix the secret's first characters, to recognise it by
 */
public record ApiKeyObject(
        String id,
        String object,
        String tenantId,
        String name,
        @JsonInclude(JsonInclude.Include.NON_NULL) String key,
        String prefix,
        List<String> scopes,
        long createdAt,
        Long expiresAt,
        Long lastUsedAt) {

    /** A key just created, with its secret. */
    public static ApiKeyObject of(CreatedApiKey created) {
        return of(created.key(), created.secret());
    }

    /** A key, without its secret. */
    public static ApiKeyObject of(ApiKey key) {
        return of(key, null);
    }

    private static ApiKeyObject of(ApiKey key, String secret) {
        return new ApiKeyObject(
                key.id(),
                "api_key",
                key.tenantId(),
                key.name(),
                secret,
                key.keyHint(),
                key.scopes().stream().map(Scope::wireName).toList(),
                key.createdAt().getEpochSecond(),
                seconds(key.expiresAt()),
                seconds(key.lastUsedAt()));
    }

    private static Long seconds(Instant instant) {
        return instant == null ? null : instant.getEpochSecond();
    }
}
