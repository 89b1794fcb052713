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
import dev.anneal.store.session.PortalSession;
import dev.anneal.store.tenant.CurrentTenant;
import dev.anneal.store.tenant.SuspendedTenants;
import io.vertx.core.http.HttpServerRequest;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.HttpHeaders;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
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
 * Authenticates every request and authorizes it by what its resource method declares, deny by
 * default: {@link AdminOnly} takes an administrator; {@link TenantAccess} a tenant key holding the
 * scopes named (or a signed-in user of a tenant), whose tenant then scopes all data access of the
 * request; {@link PublicRoute} (signing in) takes nobody in particular; a method that declares none
 * of these (on itself or its class) is refused to everyone. This is the one place where a tenant is
 * resolved.
 *
 * <p>The credential is the {@code Authorization: Bearer <key>} header, or, without one, the
 * portal's session cookie ({@link PortalSessionCookie}): a session stands for the key or user it
 * was opened by, which is checked again on every request exactly as a bearer key is, and a
 * session's state-changing request must repeat the session's token in {@link
 * PortalSessionCookie#CSRF_HEADER}.
 *
 * <p>Keys are checked against the database on every request, so a revoked key stops working at once
 * (and {@link KeyWatch} ends what it keeps open within seconds); an expired key answers 401. Wrong
 * keys are kept off the database by {@link FailedAuthentications} (429 for an address that fails
 * too often), and each key's requests are rate limited ({@link RequestRates}, 429 with {@code
 * Retry-After}). The tenant also goes into the logging context ({@code tenantId}), beside the
 * request id, for every line logged while the request is served.
 */
public class AuthenticationFilter {

    /** A key's last use is written at most this often. */
    private static final long TOUCH_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");

    private final Credentials credentials;
    private final PortalSessionCookie sessions;
    private final ApiKeyRepository apiKeys;
    private final CurrentTenant currentTenant;
    private final CurrentKey currentKey;
    private final RequestRates rates;
    private final SuspendedTenants suspended;
    private final AdministratorKeys administrators;
    private final Map<String, Long> touched = new ConcurrentHashMap<>();
    private final Map<SimpleResourceInfo, Optional<Access>> declared = new ConcurrentHashMap<>();

    @Inject
    AuthenticationFilter(
            Credentials credentials,
            PortalSessionCookie sessions,
            ApiKeyRepository apiKeys,
            CurrentTenant currentTenant,
            CurrentKey currentKey,
            RequestRates rates,
            SuspendedTenants suspended,
            AdministratorKeys administrators) {
        this.credentials = credentials;
        this.sessions = sessions;
        this.suspended = suspended;
        this.administrators = administrators;
        this.apiKeys = apiKeys;
        this.currentTenant = currentTenant;
        this.currentKey = currentKey;
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
        if (access.open()) {
            return;
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        Cookie cookie = request.getCookies().get(PortalSessionCookie.NAME);
        if ((header == null || header.isBlank()) && cookie != null) {
            authenticateSession(cookie.getValue(), request, access);
            return;
        }
        String secret = bearerToken(header);
        String digest = HexFormat.of().formatHex(KeyDigest.of(secret));
        if (secret.startsWith(ApiKeyRepository.SECRET_PREFIX)) {
            RequestRates.Decision spent = rates.refusing(digest);
            if (spent != null) {
                throw rateLimited(request, spent); // a known key past its rate: no lookup at all
            }
        }
        admit(
                credentials.identify(secret, Credentials.clientAddress(connection)),
                access,
                request,
                digest);
    }

    /**
     * A portal session: live, its token repeated on a change, and what it stands for still valid.
     */
    private void authenticateSession(
            String secret, ContainerRequestContext request, Access access) {
        PortalSession session =
                sessions.find(secret)
                        .orElseThrow(
                                () ->
                                        unauthorized(
                                                "Your portal session has ended; sign in again.",
                                                "session_expired"));
        if (!SAFE_METHODS.contains(request.getMethod())) {
            requireToken(session, request.getHeaderString(PortalSessionCookie.CSRF_HEADER));
        }
        PortalSession.Principal who = session.principal();
        Identity identity =
                switch (who.kind()) {
                    case BOOTSTRAP -> Identity.BOOTSTRAP;
                    case ADMIN_KEY ->
                            administrators.isActive(who.keyId())
                                    ? Identity.administratorKey(who.keyId(), who.displayName())
                                    : null;
                    case API_KEY ->
                            apiKeys.findActiveById(who.keyId()).map(Identity::apiKey).orElse(null);
                    case OIDC ->
                            Identity.user(
                                    who.subject(),
                                    who.displayName(),
                                    who.tenantId(),
                                    who.administrator());
                };
        if (identity == null) {
            sessions.close(secret);
            throw unauthorized(
                    "The key this session was signed in with was revoked; sign in again.",
                    "session_expired");
        }
        currentKey.session(session);
        admit(identity, access, request, "session:" + who.kind() + ":" + who.subject());
    }

    /** Refuses a session's change that does not repeat the session's token (CSRF). */
    static void requireToken(PortalSession session, String token) {
        if (token == null
                || !MessageDigest.isEqual(
                        token.getBytes(StandardCharsets.UTF_8),
                        session.csrfToken().getBytes(StandardCharsets.UTF_8))) {
            throw forbidden(
                    "This request changes something but does not carry the session's "
                            + PortalSessionCookie.CSRF_HEADER
                            + " header; reload the page.",
                    "csrf_token_invalid");
        }
    }

    /** Lets {@code who} through to a route declaring {@code access}, or refuses it. */
    private void admit(
            Identity who, Access access, ContainerRequestContext request, String rateKey) {
        currentKey.actor(who.actor());
        if (access.admin()) {
            if (!who.administrator()) {
                throw forbidden("This route needs the administrator key.", "forbidden");
            }
            return;
        }
        if (who.tenantId() == null) {
            throw forbidden(
                    "The administrator key manages tenants; use a tenant's API key here.",
                    "forbidden");
        }
        currentTenant.set(who.tenantId());
        ApiKey key = who.key();
        if (key != null && key.isExpired(Instant.now())) {
            throw unauthorized(
                    "This API key expired at " + key.expiresAt() + "; create a new one.",
                    "expired_api_key");
        }
        if (suspended.isSuspended(who.tenantId())) {
            throw forbidden(
                    "This tenant is suspended; its administrator can resume it.",
                    "tenant_suspended");
        }
        if (key != null) {
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
        }
        MDC.put(LogFields.TENANT_ID, who.tenantId());
        RequestRates.Decision rate = rates.take(rateKey, who.tenantId());
        request.setProperty(RateLimitHeaders.DECISION, rate);
        if (!rate.allowed()) {
            throw rateLimited(request, rate);
        }
        if (key != null) {
            touch(key.id());
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
     * What a resource method declares: the administrator, a tenant key with scopes, or anyone
     * ({@code open}); null when it declares nothing. The method's declaration wins over its
     * class's.
     */
    public record Access(boolean admin, Set<Scope> scopes, boolean fullKey, boolean open) {

        static Access of(SimpleResourceInfo resource) {
            Method method = method(resource);
            Access declared = method == null ? null : of(method.getAnnotations());
            return declared != null ? declared : of(resource.getResourceClass().getAnnotations());
        }

        public static Access of(Annotation[] annotations) {
            for (Annotation annotation : annotations) {
                if (annotation instanceof AdminOnly) {
                    return new Access(true, Set.of(), false, false);
                }
                if (annotation instanceof PublicRoute) {
                    return new Access(false, Set.of(), false, true);
                }
                if (annotation instanceof TenantAccess tenant) {
                    Set<Scope> scopes = EnumSet.noneOf(Scope.class);
                    scopes.addAll(Set.of(tenant.value()));
                    if (tenant.fullKey()) {
                        scopes = EnumSet.allOf(Scope.class);
                    }
                    return new Access(false, scopes, tenant.fullKey(), false);
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

    static ApiException rateLimited(ContainerRequestContext request, RequestRates.Decision rate) {
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

    static ApiException unauthorized(String message, String code) {
        return new ApiException(401, ErrorType.AUTHENTICATION, message, null, code);
    }

    static ApiException forbidden(String message, String code) {
        return new ApiException(403, ErrorType.PERMISSION, message, null, code);
    }
}
