package dev.anneal.api.auth;

import dev.anneal.api.error.ApiException;
import dev.anneal.api.error.ErrorType;
import dev.anneal.api.usage.RateLimitHeaders;
import dev.anneal.api.usage.RequestRates;
import dev.anneal.store.LogFields;
import dev.anneal.store.apikey.AdministratorKeys;
import dev.anneal.store.apikey.ApiKey;
import dev.anneal.store.apikey.ApiKeyRepository;
import dev.anneal.store.apikey.KeyDigest;
import dev.anneal.store.apikey.Scope;
import dev.anneal.store.audit.AuditEntry;
import dev.anneal.store.tenant.CurrentTenant;
import dev.anneal.store.tenant.SuspendedTenants;
import io.vertx.core.http.HttpServerRequest;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

/**
 * Authenticates every API request by its {@code Authorization: Bearer <key>} header and authorizes
 * it by what its resource method declares, deny by default: {@link AdminOnly} takes an
 * administrator key; {@link TenantAccess} a tenant key holding the scopes named, whose tenant then
 * scopes all data access of the request; a method that declares neither (on itself or its class) is
 * refused to everyone. This is the one place where a tenant is resolved.
 *
 * <p>Keys are checked against the database on every request, so a revoked key stops working at once
 * (and {@link KeyWatch} ends what it keeps open within seconds); an expired key answers 401. Wrong
 * keys are kept off the database by {@link FailedAuthentications} (429 for an address that fails
 * too often), and each key's requests are rate limited ({@link RequestRates}, 429 with {@code
 * Retry-After}). The tenant also goes into the logging context ({@code tenantId}), beside the
 * request id, for every line logged while the request is served.
 */
public class BearerAuthFilter {

    /** The bootstrap administrator key, {@code ANNEAL_ADMIN_KEY}, as an actor. */
    static final AuditEntry.Actor BOOTSTRAP =
            new AuditEntry.Actor("bootstrap", "admin", "ANNEAL_ADMIN_KEY");

    /** A key's last use is written at most this often. */
    private static final long TOUCH_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final AdminKey adminKey;
    private final ApiKeyRepository apiKeys;
    private final CurrentTenant currentTenant;
    private final CurrentKey currentKey;
    private final FailedAuthentications failures;
    private final RequestRates rates;
    private final SuspendedTenants suspended;
    private final AdministratorKeys administrators;
    private final Map<String, Long> touched = new ConcurrentHashMap<>();
    private final Map<SimpleResourceInfo, Optional<Access>> declared = new ConcurrentHashMap<>();

    @Inject
    BearerAuthFilter(
            AdminKey adminKey,
            ApiKeyRepository apiKeys,
            CurrentTenant currentTenant,
            CurrentKey currentKey,
            FailedAuthentications failures,
            RequestRates rates,
            SuspendedTenants suspended,
            AdministratorKeys administrators) {
        this.suspended = suspended;
        this.administrators = administrators;
        this.adminKey = adminKey;
        this.apiKeys = apiKeys;
        this.currentTenant = currentTenant;
        this.currentKey = currentKey;
        this.failures = failures;
        this.rates = rates;
    }

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public void authenticate(
            ContainerRequestContext request,
            HttpServerRequest connection,
            SimpleResourceInfo resource) {
        Access access =
                declared.computeIfAbsent(resource, r -> Optional.ofNullable(Access.of(r)))
                        .orElse(null);
        if (access == null) {
            throw forbidden(
                    "This route declares no access rule, so no key may call it.", "forbidden");
        }
        String secret = bearerToken(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        if (adminKey.matches(secret)) {
            currentKey.actor(BOOTSTRAP);
            if (!access.admin()) {
                throw forbidden(
                        "The administrator key manages tenants; use a tenant's API key here.",
                        "forbidden");
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
        if (secret.startsWith(AdministratorKeys.SECRET_PREFIX)) {
            authenticateAdministrator(secret, address, access);
            return;
        }
        String digest = HexFormat.of().formatHex(KeyDigest.of(secret));
        RequestRates.Decision spent = rates.refusing(digest);
        if (spent != null) {
            throw rateLimited(request, spent); // a known key past its rate: no lookup at all
        }
        Optional<ApiKey> found =
                failures.knownUnknown(secret) ? Optional.empty() : apiKeys.findActive(secret);
        if (found.isEmpty()) {
            failures.failed(secret, address);
            throw unauthorized("Incorrect API key provided.", "invalid_api_key");
        }
        ApiKey key = found.get();
        currentKey.actor(new AuditEntry.Actor("api_key", key.id(), key.name()));
        currentTenant.set(key.tenantId());
        if (key.isExpired(Instant.now())) {
            throw unauthorized(
                    "This API key expired at " + key.expiresAt() + "; create a new one.",
                    "expired_api_key");
        }
        if (access.admin()) {
            throw forbidden("This route needs the administrator key.", "forbidden");
        }
        if (suspended.isSuspended(key.tenantId())) {
            throw forbidden(
                    "This tenant is suspended; its administrator can resume it.",
                    "tenant_suspended");
        }
        Set<Scope> missing = EnumSet.noneOf(Scope.class);
        missing.addAll(access.scopes());
        missing.removeAll(key.scopes());
        if (!missing.isEmpty()) {
            throw forbidden(
                    "This API key lacks the scope"
                            + (missing.size() == 1 ? " " : "s ")
                            + missing.stream()
                                    .map(s -> "'" + s.wireName() + "'")
                                    .collect(Collectors.joining(", "))
                            + (access.fullKey()
                                    ? " (managing keys needs a key with every scope)"
                                    : "")
                            + ".",
                    "insufficient_scope");
        }
        currentKey.set(key.id());
        MDC.put(LogFields.TENANT_ID, key.tenantId());
        RequestRates.Decision rate = rates.take(digest, key.tenantId());
        request.setProperty(RateLimitHeaders.DECISION, rate);
        if (!rate.allowed()) {
            throw rateLimited(request, rate);
        }
        touch(key.id());
    }

    /** A named administrator key: known and live, on an administrator route. */
    private void authenticateAdministrator(String secret, String address, Access access) {
        Optional<AdministratorKeys.Key> found =
                failures.knownUnknown(secret)
                        ? Optional.empty()
                        : administrators.findActive(secret);
        if (found.isEmpty()) {
            failures.failed(secret, address);
            throw unauthorized("Incorrect API key provided.", "invalid_api_key");
        }
        currentKey.actor(new AuditEntry.Actor("admin_key", found.get().id(), found.get().name()));
        if (!access.admin()) {
            throw forbidden(
                    "The administrator key manages tenants; use a tenant's API key here.",
                    "forbidden");
        }
    }

    /** Notes the key's use, at most once a minute per key and process. */
    private void touch(String keyId) {
        long now = System.nanoTime();
        Long last = touched.get(keyId);
        if (last == null || now - last > TOUCH_EVERY_NANOS) {
            touched.put(keyId, now);
            apiKeys.touch(keyId);
        }
    }

    /**
     * What a resource method declares: the administrator, or a tenant key with scopes; null when it
     * declares nothing. The method's declaration wins over its class's.
     */
    record Access(boolean admin, Set<Scope> scopes, boolean fullKey) {

        static Access of(SimpleResourceInfo resource) {
            Method method = method(resource);
            Access declared = method == null ? null : of(method.getAnnotations());
            return declared != null ? declared : of(resource.getResourceClass().getAnnotations());
        }

        static Access of(Annotation[] annotations) {
            for (Annotation annotation : annotations) {
                if (annotation instanceof AdminOnly) {
                    return new Access(true, Set.of(), false);
                }
                if (annotation instanceof TenantAccess tenant) {
                    Set<Scope> scopes = EnumSet.noneOf(Scope.class);
                    scopes.addAll(Set.of(tenant.value()));
                    if (tenant.fullKey()) {
                        scopes = EnumSet.allOf(Scope.class);
                    }
                    return new Access(false, scopes, tenant.fullKey());
                }
            }
            return null;
        }

        private static Method method(SimpleResourceInfo resource) {
            try {
                return resource.getResourceClass()
                        .getMethod(resource.getMethodName(), resource.parameterTypes());
            } catch (NoSuchMethodException e) {
                return null;
            }
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
                    "No API key provided: send it as the header 'Authorization: Bearer <key>'.",
                    "invalid_api_key");
        }
        String[] parts = header.strip().split("\\s+", 2);
        if (parts.length != 2 || !parts[0].equalsIgnoreCase("Bearer") || parts[1].isBlank()) {
            throw unauthorized(
                    "The Authorization header must be 'Bearer <key>'.", "invalid_api_key");
        }
        return parts[1].strip();
    }

    private static ApiException unauthorized(String message, String code) {
        return new ApiException(401, ErrorType.AUTHENTICATION, message, null, code);
    }

    private static ApiException forbidden(String message, String code) {
        return new ApiException(403, ErrorType.PERMISSION, message, null, code);
    }
}
