package dev.anneal.store.apikey;

import static dev.anneal.store.SqlTimes.instant;

import dev.anneal.store.Ids;
import dev.anneal.store.InvalidRequestException;
import dev.anneal.store.NotFoundException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * Named administrator keys: created, listed and revoked by an administrator, so that each person or
 * system has its own key and losing one means revoking only it. {@code ANNEAL_ADMIN_KEY} stays as
 * the bootstrap key that creates the first. Secrets start with {@link #SECRET_PREFIX}; only their
 * digests are stored.
 */
@ApplicationScoped
public class AdministratorKeys {

    /** Every administrator key starts with this (the generated bootstrap key too). */
    public static final String SECRET_PREFIX = "sk-admin-";

    private static final int MAX_NAME_LENGTH = 200;

    private final EntityManager em;

    /**
     * An administrator key without its secret.
     *
     * @param hint the secret's first characters
     * @param revokedAt when it was revoked, or null
     */
    public record Key(String id, String name, String hint, Instant createdAt, Instant revokedAt) {}

    /** A key just created: the only moment its secret is known. */
    public record Created(Key key, String secret) {
        @Override
        public String toString() {
            return "Created[id=" + key.id() + "]";
        }
    }

    @Inject
    AdministratorKeys(EntityManager em) {
        this.em = em;
    }

    /** Issues a named administrator key. */
    @Transactional
    public Created create(String name) {
        String trimmed = name == null ? "" : name.strip();
        if (trimmed.isEmpty() || trimmed.length() > MAX_NAME_LENGTH) {
            throw new InvalidRequestException(
                    "'name' is required: who or what holds the key, at most "
                            + MAX_NAME_LENGTH
                            + " characters.",
                    "name");
        }
        String secret = SECRET_PREFIX + Ids.randomToken(40);
        Key key =
                new Key(
                        Ids.newId("adminkey"),
                        trimmed,
                        secret.substring(0, SECRET_PREFIX.length() + 4),
                        Instant.now().truncatedTo(ChronoUnit.MICROS),
                        null);
        em.createNativeQuery(
                        "insert into admin_key (id, name, key_hash, key_hint, created_at) values"
                                + " (:id, :name, :hash, :hint, :created)")
                .setParameter("id", key.id())
                .setParameter("name", key.name())
                .setParameter("hash", KeyDigest.of(secret))
                .setParameter("hint", key.hint())
                .setParameter("created", key.createdAt())
                .executeUpdate();
        return new Created(key, secret);
    }

    /** The keys not revoked, newest first. */
    @Transactional
    public List<Key> list() {
        @SuppressWarnings("unchecked")
        List<Object[]> rows =
                em.createNativeQuery(
                                "select id, name, key_hint, created_at from admin_key where"
                                        + " revoked_at is null order by created_at desc, id desc")
                        .getResultList();
        return rows.stream()
                .map(r -> new Key((String) r[0], (String) r[1], (String) r[2], instant(r[3]), null))
                .toList();
    }

    /** The live key whose secret is {@code secret}, if any. */
    @Transactional
    public Optional<Key> findActive(String secret) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows =
                em.createNativeQuery(
                                "select id, name, key_hint, created_at from admin_key where"
                                        + " key_hash = :hash and revoked_at is null")
                        .setParameter("hash", KeyDigest.of(secret))
                        .getResultList();
        return rows.stream()
                .findFirst()
                .map(
                        r ->
                                new Key(
                                        (String) r[0],
                                        (String) r[1],
                                        (String) r[2],
                                        instant(r[3]),
                                        null));
    }

    /** Whether the key with this id exists and is not revoked. */
    @Transactional
    public boolean isActive(String id) {
        return !em.createNativeQuery(
                        "select 1 from admin_key where id = :id and revoked_at is null")
                .setParameter("id", id)
                .getResultList()
                .isEmpty();
    }

    /** Revokes a key at once: the next request with it is refused. */
    @Transactional
    public void revoke(String id) {
        int updated =
                em.createNativeQuery(
                                "update admin_key set revoked_at = now() where id = :id and"
                                        + " revoked_at is null")
                        .setParameter("id", id)
                        .executeUpdate();
        if (updated == 0) {
            throw new NotFoundException("administrator key", id, "admin_key_id");
        }
    }
}
