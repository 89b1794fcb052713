package dev.anneal.api.auth;

import dev.anneal.store.session.PortalSession;
import dev.anneal.store.session.PortalSessions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.NewCookie;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The portal's session cookie: {@value #NAME}, HttpOnly (page scripts never see it),
 * SameSite=Strict (no other site's page sends it), Secure when the portal is served over HTTPS. It
 * holds only a random secret; the session itself is kept by {@link PortalSessions}, ends after
 * {@code anneal.portal.session-idle} without use or {@code anneal.portal.session-lifetime} after
 * sign-in, and a state-changing request must repeat its token in {@value #CSRF_HEADER}.
 */
@ApplicationScoped
public class PortalSessionCookie {

    public static final String NAME = "anneal_session";
    public static final String CSRF_HEADER = "X-CSRF-Token";

    private final PortalSessions sessions;
    private final Duration idle;
    private final Duration lifetime;

    @Inject
    PortalSessionCookie(
            PortalSessions sessions,
            @ConfigProperty(name = "anneal.portal.session-idle", defaultValue = "30M")
                    Duration idle,
            @ConfigProperty(name = "anneal.portal.session-lifetime", defaultValue = "12H")
                    Duration lifetime) {
        this.sessions = sessions;
        this.idle = idle;
        this.lifetime = lifetime;
    }

    /** Opens a session for {@code who}, ending expired ones on the way; returns its cookie. */
    public NewCookie open(PortalSession.Principal who, boolean secure) {
        sessions.deleteExpired(idle, lifetime);
        PortalSessions.Opened opened = sessions.open(who);
        return cookie(opened.secret(), (int) lifetime.toSeconds(), secure);
    }

    /** The live session whose cookie holds {@code secret}. */
    public Optional<PortalSession> find(String secret) {
        return sessions.find(secret, idle, lifetime);
    }

    /** Ends the session server-side. */
    public void close(String secret) {
        sessions.close(secret);
    }

    /** The cookie that clears the session's in the browser. */
    public NewCookie cleared(boolean secure) {
        return cookie("", 0, secure);
    }

    private static NewCookie cookie(String value, int maxAge, boolean secure) {
        return new NewCookie.Builder(NAME)
                .value(value)
                .path("/")
                .httpOnly(true)
                .secure(secure)
                .sameSite(NewCookie.SameSite.STRICT)
                .maxAge(maxAge)
                .build();
    }
}
