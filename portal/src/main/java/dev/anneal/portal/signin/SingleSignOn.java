package dev.anneal.portal.signin;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.util.Collection;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Single sign-on through an OpenID Connect provider, on when {@code ANNEAL_OIDC_AUTH_SERVER_URL}
 * names one: which claim of the user's ID token names their tenant ({@code
 * ANNEAL_OIDC_TENANT_CLAIM}, {@code anneal_tenant}: a tenant's id or name), which marks an
 * administrator ({@code ANNEAL_OIDC_ADMIN_CLAIM}, {@code groups}, holding {@code
 * ANNEAL_OIDC_ADMIN_VALUE}, {@code anneal-admin}, or {@code true}), and how a user is named.
 */
@ApplicationScoped
public class SingleSignOn {

    private final Optional<String> provider;
    private final String tenantClaim;
    private final String adminClaim;
    private final String adminValue;

    SingleSignOn(
            @ConfigProperty(name = "anneal.oidc.auth-server-url") Optional<String> provider,
            @ConfigProperty(name = "anneal.oidc.tenant-claim", defaultValue = "anneal_tenant")
                    String tenantClaim,
            @ConfigProperty(name = "anneal.oidc.admin-claim", defaultValue = "groups")
                    String adminClaim,
            @ConfigProperty(name = "anneal.oidc.admin-value", defaultValue = "anneal-admin")
                    String adminValue) {
        this.provider = provider.filter(url -> !url.isBlank());
        this.tenantClaim = tenantClaim;
        this.adminClaim = adminClaim;
        this.adminValue = adminValue;
    }

    /** Whether a provider is configured. */
    public boolean enabled() {
        return provider.isPresent();
    }

    /** The tenant the token names (an id or a name), if any. */
    Optional<String> tenant(JsonWebToken token) {
        return values(token.getClaim(tenantClaim)).findFirst().filter(v -> !v.isBlank());
    }

    /** Whether the token marks an administrator. */
    boolean administrator(JsonWebToken token) {
        return values(token.getClaim(adminClaim))
                .anyMatch(v -> v.equals(adminValue) || v.equals("true"));
    }

    /** What the portal calls the user: their name, else their user name, e-mail or subject. */
    static String name(JsonWebToken token) {
        for (String claim : new String[] {"name", "preferred_username", "email"}) {
            Optional<String> value = values(token.getClaim(claim)).findFirst();
            if (value.isPresent() && !value.get().isBlank()) {
                return value.get();
            }
        }
        return token.getSubject();
    }

    /** A claim's values as strings: one for a string, boolean or number, each for an array. */
    private static java.util.stream.Stream<String> values(Object claim) {
        if (claim == null) {
            return java.util.stream.Stream.empty();
        }
        if (claim instanceof Collection<?> many) {
            return many.stream().flatMap(SingleSignOn::values);
        }
        if (claim instanceof JsonString string) {
            return java.util.stream.Stream.of(string.getString());
        }
        if (claim instanceof JsonValue value) {
            return java.util.stream.Stream.of(value.toString());
        }
        return java.util.stream.Stream.of(claim.toString());
    }
}
