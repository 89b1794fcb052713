package dev.anneal.api.apikey;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.store.InvalidRequestException;
import dev.anneal.store.apikey.Scope;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Body of a key's creation; every field optional.
 *
 * @param name a name to recognise the key by
 * @param scopes what it may do (default: everything)
 * @param expiresAt when it stops working, in Unix seconds (default: never)
 */
public record CreateApiKeyRequest(String name, List<String> scopes, Long expiresAt) {

    /**
     * The request in {@code body}, which may be empty (every default): the creation routes take a
     * bare {@code POST} as well as a JSON body.
     */
    public static CreateApiKeyRequest parse(ObjectMapper json, String body)
            throws JsonProcessingException {
        return body == null || body.isBlank()
                ? new CreateApiKeyRequest(null, null, null)
                : json.readValue(body, CreateApiKeyRequest.class);
    }

    /** The scopes asked for; every scope when none are named. */
    public Set<Scope> scopeSet() {
        if (scopes == null) {
            return EnumSet.allOf(Scope.class);
        }
        Set<Scope> chosen = EnumSet.noneOf(Scope.class);
        for (String scope : scopes) {
            chosen.add(
                    Scope.fromWireName(scope)
                            .orElseThrow(
                                    () ->
                                            new InvalidRequestException(
                                                    "Unknown scope '"
                                                            + scope
                                                            + "'; the scopes are files,"
                                                            + " fine_tuning, models, inference,"
                                                            + " feedback:write and feedback:read.",
                                                    "scopes")));
        }
        return chosen;
    }

    /** The expiry asked for, or null. */
    public Instant expiry() {
        return expiresAt == null ? null : Instant.ofEpochSecond(expiresAt);
    }
}
