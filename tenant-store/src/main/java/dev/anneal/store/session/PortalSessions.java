package dev.anneal.store.session;

import static dev.anneal.store.SqlTimes.instant;

import dev.anneal.store.Ids;
import dev.anneal.store.apikey.KeyDigest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * The portal's sign-ins, kept server-side: the browser holds only a random secret (in an HttpOnly
 * cookie), of which only the digest is stored, so a copy of the database signs nobody in. A session
 * ends when it is signed out, when it was idle too long, or when it is older than its absolute
 * lifetime; what it stands for (a key, a user) is checked again on every request by the caller.
 */
@ApplicationScoped
public class PortalSessions {

    /** A session's last use is written at most this often. */
    private static final Duration TOUCH_EVERY = Duration.ofMinutes(1);

    private final EntityManager em;

    @Inject
    PortalSessions(EntityManager em) {
        this.em = em;
    }

    /** A session just opened: the only moment its secret is known. */
    public record Opened(PortalSession session, String secret) {
        @Override
        public String toString() {
            return "Opened[" + session.kind() + " " + session.subject() + "]";
        }
    }

    /** Opens a session for {@code who}. */
    @Transactional
    public Opened open(PortalSession.Principal who) {
        String secret = Ids.randomToken(43);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        PortalSession session = new PortalSession(who, Ids.randomToken(43), now, now);
        em.createNativeQuery(
                        "insert into portal_session (id_hash, kind, tenant_id, key_id, subject,"
                                + " display_name, administrator, csrf_token, created_at, last_seen_at)"
                                + " values (:hash, :kind, :tenant, :key, :subject, :name, :admin,"
                                + " :csrf, :now, :now)")
                .setParameter("hash", KeyDigest.of(secret))
                .setParameter("kind", who.kind().name())
                .setParameter("tenant", who.tenantId())
                .setParameter("key", who.keyId())
                .setParameter("subject", who.subject())
                .setParameter("name", who.displayName())
                .setParameter("admin", who.administrator())
                .setParameter("csrf", session.csrfToken())
                .setParameter("now", now)
                .executeUpdate();
        return new Opened(session, secret);
    }

    /**
     * The live session whose secret is {@code secret}: not idle for longer than {@code idle}, not
     * older than {@code lifetime}. Its last use is noted (at most once a minute); an expired one is
     * deleted.
     */
    @Transactional
    public Optional<PortalSession> find(String secret, Duration idle, Duration lifetime) {
        if (secret == null || secret.isBlank()) {
            return Optional.empty();
        }
        byte[] hash = KeyDigest.of(secret);
        @SuppressWarnings("unchecked")
        List<Object[]> rows =
                em.createNativeQuery(
                                "select kind, tenant_id, key_id, subject, display_name,"
                                        + " administrator, csrf_token, created_at, last_seen_at"
                                        + " from portal_session where id_hash = :hash")
                        .setParameter("hash", hash)
                        .getResultList();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Object[] r = rows.get(0);
        PortalSession session =
                new PortalSession(
                        new PortalSession.Principal(
                                PortalSession.Kind.valueOf((String) r[0]),
                                (String) r[1],
                                (String) r[2],
                                (String) r[3],
                                (String) r[4],
                                (Boolean) r[5]),
                        (String) r[6],
                        instant(r[7]),
                        instant(r[8]));
        Instant now = Instant.now();
        if (session.lastSeenAt().plus(idle).isBefore(now)
                || session.createdAt().plus(lifetime).isBefore(now)) {
            delete(hash);
            return Optional.empty();
        }
        if (session.lastSeenAt().plus(TOUCH_EVERY).isBefore(now)) {
            em.createNativeQuery("update portal_session set last_seen_at = :now where id_hash = :h")
                    .setParameter("now", now.truncatedTo(ChronoUnit.MICROS))
                    .setParameter("h", hash)
                    .executeUpdate();
        }
        return Optional.of(session);
    }

    /** Ends the session whose secret is {@code secret}, if it is live. */
    @Transactional
    public boolean close(String secret) {
        return secret != null && !secret.isBlank() && delete(KeyDigest.of(secret)) > 0;
    }

    /** Deletes sessions idle for longer than {@code idle} or older than {@code lifetime}. */
    @Transactional
    public int deleteExpired(Duration idle, Duration lifetime) {
        Instant now = Instant.now();
        return em.createNativeQuery(
                        "delete from portal_session where last_seen_at < :idle or created_at <"
                                + " :born")
                .setParameter("idle", now.minus(idle))
                .setParameter("born", now.minus(lifetime))
                .executeUpdate();
    }

    private int delete(byte[] hash) {
        return em.createNativeQuery("delete from portal_session where id_hash = :h")
                .setParameter("h", hash)
                .executeUpdate();
    }
}
