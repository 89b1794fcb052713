package dev.anneal.server.tls;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.Priorities;
import jakarta.annotation.Priority;

/**
 * Decides {@code quarkus.http.insecure-requests} when nobody set it: {@code disabled} once a
 * certificate is configured ({@code anneal.tls.cert} or {@code anneal.tls.keystore}), so that
 * configuring TLS does not leave the same API open in plaintext on another port; {@code enabled}
 * otherwise. {@code QUARKUS_HTTP_INSECURE_REQUESTS=redirect} (or {@code enabled}) still overrides
 * it, for a deployment that wants plaintext beside TLS.
 */
@Priority(Priorities.APPLICATION + 100)
public class PlaintextOffUnderTls implements ConfigSourceInterceptor {

    static final String INSECURE_REQUESTS = "quarkus.http.insecure-requests";
    private static final String SOURCE = "anneal TLS defaults";

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue value = context.proceed(name);
        if (!INSECURE_REQUESTS.equals(name) || isSet(value)) {
            return value;
        }
        boolean tls =
                isSet(context.proceed("anneal.tls.cert"))
                        || isSet(context.proceed("anneal.tls.keystore"));
        return ConfigValue.builder()
                .withName(INSECURE_REQUESTS)
                .withValue(tls ? "disabled" : "enabled")
                .withConfigSourceName(SOURCE)
                .build();
    }

    private static boolean isSet(ConfigValue value) {
        return value != null && value.getValue() != null && !value.getValue().isBlank();
    }
}
