package dev.anneal.api.auth;

import dev.anneal.api.error.ApiException;
import dev.anneal.api.error.ErrorType;
import dev.anneal.api.usage.RateLimitHeaders;
import dev.anneal.api.usage.RequestRates;
import dev.anneal.store.LogFields;
import dev.anneal.store.apikey.ApiKey;
import dev.anneal.store.apikey.ApiKeyRepository;
import dev.anneal.store.apikey.KeyDigest;
import dev.anneal.store.tenant.CurrentTenant;
import io.vertx.core.http.HttpServerRequest;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import java.util.HexFormat;
import java.util.Optional;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Authenticates every API request by its {@code Authorization: Bearer <key>} header and decides the
 * tenant it acts for: the one place where a tenant is resolved. Routes under {@code /v1/admin} take
 * the administrator key; every other route a tenant's key, whose tenant then scopes all data access
 * of the request.
 *
 * <p>Keys are checked against the database on every request, so a revoked key stops working at
 * once; wrong keys are kept off it by {@link FailedAuthentications} (429 for an address that fails
 * too often). Each key's requests are then rate limited ({@link RequestRates}, 429 with {@code
 * Retry-After}). The tenant also goes into the logging context ({@code tenantId}), beside the
 * request id, for every line logged while the request is served.
 */
public class BearerAuthFilter {

    /** The logging context's key for the tenant a request acts for. */
    private static final String ADMIN_PREFIX = "v1/admin";

    private final AdminKey adminKey;
    private final ApiKeyRepository apiKeys;
    private final CurrentTenant currentTenant;
    private final FailedAuthentications failures;
    private final RequestRates rates;

    @Inject
    BearerAuthFilter(
            AdminKey adminKey,
            ApiKeyRepository apiKeys,
            CurrentTenant currentTenant,
            FailedAuthentications failures,
            RequestRates rates) {
        this.rates = rates;
        this.adminKey = adminKey;
        this.apiKeys = apiKeys;
        this.currentTenant = currentTenant;
        this.failures = failures;
    }

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public void authenticate(ContainerRequestContext request, HttpServerRequest connection) {
        String path = request.getUriInfo().getPath().replaceFirst("^/", "");
        if (!path.startsWith("v1/")) {
            return;
        }
        String secret = bearerToken(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        boolean adminRoute = path.equals(ADMIN_PREFIX) || path.startsWith(ADMIN_PREFIX + "/");
        if (adminKey.matches(secret)) {
            if (!adminRoute) {
                throw forbidden(
                        "The administrator key manages tenants; use a tenant's API key here.");
            }
            return;
        }
        String address = clientAddress(connection);
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
        String digest = HexFormat.of().formatHex(KeyDigest.of(secret));
        RequestRates.Decision spent = rates.refusing(digest);
        if (spent != null) {
            throw rateLimited(request, spent); // a known key past its rate: no lookup at all
        }
        Optional<ApiKey> key =
                failures.knownUnknown(secret) ? Optional.empty() : apiKeys.findActive(secret);
        if (key.isEmpty()) {
            failures.failed(secret, address);
            throw unauthorized("Incorrect API key provided.");
        }
        if (adminRoute) {
            throw forbidden("This route needs the administrator key.");
        }
        currentTenant.set(key.get().tenantId());
        MDC.put(LogFields.TENANT_ID, key.get().tenantId());
        RequestRates.Decision rate = rates.take(digest, key.get().tenantId());
        request.setProperty(RateLimitHeaders.DECISION, rate);
        if (!rate.allowed()) {
            throw rateLimited(request, rate);
        }
    }

    private static ApiException rateLimited(
            ContainerRequestContext request, RequestRates.Decision rate) {
        request.setProperty(RateLimitHeaders.DECISION, rate);
        return new ApiException(
                429,
                ErrorType.RATE_LIMIT,
                "Rate limit reached for requests: "
                        + rate.limit()
                        + " per second for this API key. Try again in "
                        + rate.retryAfterMillis()
                        + " ms.",
                null,
                "rate_limit_exceeded",
                Math.max(1, (rate.retryAfterMillis() + 999) / 1000));
    }

    private static String clientAddress(HttpServerRequest connection) {
        return connection == null || connection.remoteAddress() == null
                ? "unknown"
                : connection.remoteAddress().hostAddress();
    }

    private static String bearerToken(String header) {
        if (header == null || header.isBlank()) {
            throw unauthorized(
                    "No API key provided: send it as the header 'Authorization: Bearer <key>'.");
        }
        String[] parts = header.strip().split("\\s+", 2);
        if (parts.length != 2 || !parts[0].equalsIgnoreCase("Bearer") || parts[1].isBlank()) {
            throw unauthorized("The Authorization header must be 'Bearer <key>'.");
        }
        return parts[1].strip();
    }

    private static ApiException unauthorized(String message) {
        return new ApiException(401, ErrorType.AUTHENTICATION, message, null, "invalid_api_key");
    }

    private static ApiException forbidden(String message) {
        return new ApiException(403, ErrorType.PERMISSION, message, null, "forbidden");
    }
}
