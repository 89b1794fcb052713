package dev.anneal.server.portal;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.Priorities;
import jakarta.annotation.Priority;

/**
 * Decides {@code quarkus.oidc.tenant-enabled} when nobody set it: on only when {@code
 * anneal.oidc.auth-server-url} names a provider, so that the portal's single sign-on is off, and
 * asks for no provider, until one is configured.
 */
@Priority(Priorities.APPLICATION + 100)
public class SingleSignOnOffWithoutProvider implements ConfigSourceInterceptor {

    static final String TENANT_ENABLED = "quarkus.oidc.tenant-enabled";
    private static final String SOURCE = "anneal single sign-on defaults";

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue value = context.proceed(name);
        if (!TENANT_ENABLED.equals(name) || setByAnyone(value)) {
            return value;
        }
        return ConfigValue.builder()
                .withName(TENANT_ENABLED)
                .withValue(String.valueOf(isSet(context.proceed("anneal.oidc.auth-server-url"))))
                .withConfigSourceName(SOURCE)
                .build();
    }

    /** Set in a real source, not only by the extension's own default ({@code true}). */
    private static boolean setByAnyone(ConfigValue value) {
        return isSet(value) && value.getConfigSourceOrdinal() > Integer.MIN_VALUE;
    }

    private static boolean isSet(ConfigValue value) {
        return value != null && value.getValue() != null && !value.getValue().isBlank();
    }
}
