package dev.anneal.store.apikey;

import dev.anneal.store.Ids;
import dev.anneal.store.InvalidRequestException;
import dev.anneal.store.NotFoundException;
import dev.anneal.store.quota.Quotas;
import dev.anneal.store.tenant.TenantRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Issues, looks up and revokes API keys. Secrets carry 238 bits of randomness, so a plain SHA-256
 * is a safe digest for them (see docs/adr/0004-api-key-hashing.md); no secret is ever stored.
 */
@ApplicationScoped
public class ApiKeyRepository {

    /** Every tenant key starts with this, which makes leaked keys easy to scan for. */
    public static final String SECRET_PREFIX = "sk-anneal-";

    private static final int SECRET_RANDOM_CHARS = 40;

    private static final int MAX_NAME_LENGTH = 200;

    private final EntityManager em;
    private final TenantRepository tenants;
    private final Quotas quotas;

    @Inject
    ApiKeyRepository(EntityManager em, TenantRepository tenants, Quotas quotas) {
        this.em = em;
        this.tenants = tenants;
        this.quotas = quotas;
    }

    /** Issues a new key with every scope, no name and no expiry for an existing tenant. */
    public CreatedApiKey create(String tenantId) {
        return create(tenantId, null, EnumSet.allOf(Scope.class), null);
    }

    /**
     * Issues a new key for an existing tenant, within its {@code api_keys} quota.
     *
     * @param name a name to recognise it by, or null
     * @param scopes what it may do (not empty)
     * @param expiresAt when it stops working, or null for never
     */
    @Transactional
    public CreatedApiKey create(
            String tenantId, String name, Set<Scope> scopes, Instant expiresAt) {
        tenants.get(tenantId);
        if (name != null && name.length() > MAX_NAME_LENGTH) {
            throw new InvalidRequestException(
                    "'name' must be at most " + MAX_NAME_LENGTH + " characters.", "name");
        }
        if (scopes.isEmpty()) {
            throw new InvalidRequestException("A key needs at least one scope.", "scopes");
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            throw new InvalidRequestException("'expires_at' must be in the future.", "expires_at");
        }
        quotas.requireRoomForKey(tenantId);
        String secret = SECRET_PREFIX + Ids.randomToken(SECRET_RANDOM_CHARS);
        ApiKey key =
                new ApiKey(
                        Ids.newId("key"),
                        tenantId,
                        KeyDigest.of(secret),
                        secret.substring(0, SECRET_PREFIX.length() + 4),
                        now,
                        name == null || name.isBlank() ? null : name.strip(),
                        scopes,
                        expiresAt == null ? null : expiresAt.truncatedTo(ChronoUnit.SECONDS));
        em.persist(key);
        return new CreatedApiKey(key, secret);
    }

    /** A tenant's keys that are not revoked, newest first (expired ones included). */
    @Transactional
    public List<ApiKey> list(String tenantId) {
        return em.createQuery(
                        "from ApiKey k where k.tenantId = :tenant and k.revokedAt is null"
                                + " order by k.createdAt desc, k.id desc",
                        ApiKey.class)
                .setParameter("tenant", tenantId)
                .getResultList();
    }

    /** Notes that a key was used now; callers keep this to about once a minute per key. */
    @Transactional
    public void touch(String keyId) {
        em.createQuery("update ApiKey k set k.lastUsedAt = :now where k.id = :id")
                .setParameter("now", Instant.now().truncatedTo(ChronoUnit.SECONDS))
                .setParameter("id", keyId)
                .executeUpdate();
    }

    /** Those of {@code keyIds} that no longer work: revoked, expired, gone or suspended. */
    @Transactional
    public Set<String> invalid(Collection<String> keyIds) {
        if (keyIds.isEmpty()) {
            return Set.of();
        }
        Set<String> valid =
                Set.copyOf(
                        em.createQuery(
                                        "select k.id from ApiKey k where k.id in :ids and"
                                                + " k.revokedAt is null and (k.expiresAt is null"
                                                + " or k.expiresAt > :now) and k.tenantId not in"
                                                + " (select t.id from Tenant t where t.suspendedAt"
                                                + " is not null)",
                                        String.class)
                                .setParameter("ids", keyIds)
                                .setParameter("now", Instant.now())
                                .getResultList());
        return keyIds.stream().filter(id -> !valid.contains(id)).collect(Collectors.toSet());
    }

    /** The live key whose secret is {@code secret}, if any. */
    @Transactional
    public Optional<ApiKey> findActive(String secret) {
        // native SQL: every request asks, and Hibernate would translate HQL anew each time (it
        // caches no query plan while the tenant filter is on, and that filter is on in every
        // session)
        @SuppressWarnings("unchecked")
        List<ApiKey> keys =
                em.createNativeQuery(
                                "select * from api_key where key_hash = :hash and revoked_at is"
                                        + " null",
                                ApiKey.class)
                        .setParameter("hash", KeyDigest.of(secret))
                        .getResultList();
        return keys.stream().findFirst();
    }

    /** The live key with this id, if any: what a portal session signed in with it still holds. */
    @Transactional
    public Optional<ApiKey> findActiveById(String keyId) {
        return em.createQuery(
                        "from ApiKey k where k.id = :id and k.revokedAt is null", ApiKey.class)
                .setParameter("id", keyId)
                .getResultStream()
                .findFirst();
    }

    /**
     * Revokes a key of any tenant at once: the next request with it is refused.
     *
     * @return the key's tenant
     */
    @Transactional
    public String revoke(String keyId) {
        return revoke(keyId, null);
    }

    /**
     * Revokes a key at once, if it is {@code tenantId}'s (any tenant's when null): the next request
     * with it is refused. Another tenant's key answers as an unknown one.
     *
     * @return the key's tenant
     */
    @Transactional
    public String revoke(String keyId, String tenantId) {
        ApiKey key = em.find(ApiKey.class, keyId);
        if (key == null
                || key.isRevoked()
                || (tenantId != null && !tenantId.equals(key.tenantId()))) {
            throw new NotFoundException("API key", keyId, "api_key_id");
        }
        key.revoke(Instant.now().truncatedTo(ChronoUnit.MICROS));
        return key.tenantId();
    }
}
