package dev.anneal.api.auth;

import dev.anneal.api.error.ApiException;
import dev.anneal.api.error.ErrorType;
import dev.anneal.store.apikey.AdministratorKeys;
import dev.anneal.store.apikey.ApiKey;
import dev.anneal.store.apikey.ApiKeyRepository;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;

/**
 * Tells who a secret names: the bootstrap administrator key, a named administrator key, or a live
 * tenant API key. Wrong secrets are counted per address by {@link FailedAuthentications}, which
 * refuses an address that fails too often before any lookup. Used for every bearer request and for
 * signing in to the portal, so both check a key the same way.
 */
@ApplicationScoped
public class Credentials {

    private final AdminKey adminKey;
    private final ApiKeyRepository apiKeys;
    private final AdministratorKeys administrators;
    private final FailedAuthentications failures;

    @Inject
    Credentials(
            AdminKey adminKey,
            ApiKeyRepository apiKeys,
            AdministratorKeys administrators,
            FailedAuthentications failures) {
        this.adminKey = adminKey;
        this.apiKeys = apiKeys;
        this.administrators = administrators;
        this.failures = failures;
    }

    /**
     * Who {@code secret} names, from a client at {@code address}; 401 for a wrong secret, 429 for
     * an address that failed too often. A tenant key's expiry, scopes and tenant are the caller's
     * to check.
     */
    public Identity identify(String secret, String address) {
        if (adminKey.matches(secret)) {
            return Identity.BOOTSTRAP;
        }
        if (!failures.mayTry(address)) {
            throw new ApiException(
                    429,
                    ErrorType.RATE_LIMIT,
                    "Too many failed authentications from this address; try again in "
                            + failures.retryAfterSeconds(address)
                            + " s.",
                    null,
                    "rate_limit_exceeded",
                    failures.retryAfterSeconds(address));
        }
        if (secret.startsWith(AdministratorKeys.SECRET_PREFIX)) {
            Optional<AdministratorKeys.Key> found =
                    failures.knownUnknown(secret)
                            ? Optional.empty()
                            : administrators.findActive(secret);
            if (found.isEmpty()) {
                failures.failed(secret, address);
                throw AuthenticationFilter.unauthorized(
                        "Incorrect API key provided.", "invalid_api_key");
            }
            return Identity.administratorKey(found.get().id(), found.get().name());
        }
        Optional<ApiKey> found =
                failures.knownUnknown(secret) ? Optional.empty() : apiKeys.findActive(secret);
        if (found.isEmpty()) {
            failures.failed(secret, address);
            throw AuthenticationFilter.unauthorized(
                    "Incorrect API key provided.", "invalid_api_key");
        }
        return Identity.apiKey(found.get());
    }

    /** The client's address, as failed authentications are counted by. */
    public static String clientAddress(HttpServerRequest connection) {
        return connection == null || connection.remoteAddress() == null
                ? "unknown"
                : connection.remoteAddress().hostAddress();
    }
}
