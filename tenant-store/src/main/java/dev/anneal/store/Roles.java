package dev.anneal.store;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The roles this process runs ({@code anneal.roles}, env {@code ANNEAL_ROLES}): {@code all} (the
 * default, standalone mode), or a list of {@code api}, {@code tuner}, {@code feedback} and {@code
 * serve}. An unknown name fails the start, so that a typo does not silently leave a role unserved.
 */
@ApplicationScoped
public class Roles {

    /** Serves the REST API (always on for now: every process answers health and the API). */
    public static final String API = "api";

    /** Claims and trains fine-tuning jobs. */
    public static final String TUNER = "tuner";

    /** Consumes preference feedback from Kafka into the store. */
    public static final String FEEDBACK = "feedback";

    /** Answers chat and text completions of base and fine-tuned models. */
    public static final String SERVE = "serve";

    private static final String ALL = "all";
    private static final Set<String> KNOWN = Set.of(ALL, API, TUNER, FEEDBACK, SERVE);

    private final Set<String> roles;

    @Inject
    Roles(@ConfigProperty(name = "anneal.roles", defaultValue = ALL) Set<String> configured) {
        Set<String> roles = new TreeSet<>();
        for (String role : configured) {
            String name = role.strip().toLowerCase(Locale.ROOT);
            if (!KNOWN.contains(name)) {
                throw new IllegalArgumentException(
                        "anneal.roles: unknown role '"
                                + role
                                + "'; use all, or any of api, serve, tuner, feedback");
            }
            roles.add(name);
        }
        this.roles = Set.copyOf(roles);
    }

    /** Whether this process runs {@code role}. */
    public boolean runs(String role) {
        return roles.contains(ALL) || roles.contains(role);
    }
}
