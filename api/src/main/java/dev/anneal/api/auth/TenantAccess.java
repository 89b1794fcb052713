package dev.anneal.api.auth;

import dev.anneal.store.apikey.Scope;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A route a tenant's key may call if it holds these scopes (any tenant key when there are none). A
 * method's declaration overrides its class's. Every resource method declares its access ({@link
 * AdminOnly} or this); one that declares none is refused.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface TenantAccess {

    /** The scopes the key must hold. */
    Scope[] value() default {};

    /** Whether the key must hold every scope (managing keys). */
    boolean fullKey() default false;
}
