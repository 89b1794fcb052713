package dev.anneal.store.apikey;

import dev.anneal.store.Ids;
import dev.anneal.store.NotFoundException;
import dev.anneal.store.tenant.TenantRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * Issues, looks up and revokes API keys. Secrets carry 238 bits of randomness, so a plain SHA-256
 * is a safe digest for them (see docs/adr/0004-api-key-hashing.md); no secret is ever stored.
 */
@ApplicationScoped
public class ApiKeyRepository {

    /** Every tenant key starts with this, which makes leaked keys easy to scan for. */
    public static final String SECRET_PREFIX = "sk-anneal-";

    private static final int SECRET_RANDOM_CHARS = 40;

    private final EntityManager em;
    private final TenantRepository tenants;

    @Inject
    ApiKeyRepository(EntityManager em, TenantRepository tenants) {
        this.em = em;
        this.tenants = tenants;
    }

    /** Issues a new key for an existing tenant. */
    @Transactional
    public CreatedApiKey create(String tenantId) {
        tenants.get(tenantId);
        String secret = SECRET_PREFIX + Ids.randomToken(SECRET_RANDOM_CHARS);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        ApiKey key =
                new ApiKey(
                        Ids.newId("key"),
                        tenantId,
                        KeyDigest.of(secret),
                        secret.substring(0, SECRET_PREFIX.length() + 4),
                        now);
        em.persist(key);
        return new CreatedApiKey(key.id(), tenantId, secret, now);
    }

    /** The live key whose secret is {@code secret}, if any. */
    @Transactional
    public Optional<ApiKey> findActive(String secret) {
        return em.createQuery(
                        "from ApiKey k where k.keyHash = :hash and k.revokedAt is null",
                        ApiKey.class)
                .setParameter("hash", KeyDigest.of(secret))
                .getResultStream()
                .findFirst();
    }

    /** Revokes a key at once: the next request with it is refused. */
    @Transactional
    public void revoke(String keyId) {
        ApiKey key = em.find(ApiKey.class, keyId);
        if (key == null || key.isRevoked()) {
            throw new NotFoundException("API key", keyId, "api_key_id");
        }
        key.revoke(Instant.now().truncatedTo(ChronoUnit.MICROS));
    }
}
