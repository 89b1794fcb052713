package dev.anneal.store.job;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Opens {@link WakeUps} listeners on the platform's database, as the datasource connects: each
 * listener holds a connection of its own, outside the pool.
 */
@ApplicationScoped
public class WakeUpChannels {

    private final String url;
    private final String user;
    private final String password;

    @Inject
    WakeUpChannels(
            @ConfigProperty(name = "quarkus.datasource.jdbc.url") String url,
            @ConfigProperty(name = "quarkus.datasource.username") String user,
            @ConfigProperty(name = "quarkus.datasource.password") String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /** Starts listening on {@code channel}, e.g. {@link WakeUps#JOB_QUEUED}. */
    public WakeUps listen(String channel) {
        return WakeUps.start(url, user, password, channel);
    }
}
