package dev.anneal.api.auth;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A route only an administrator key may call. Every resource method declares its access, on itself
 * or its class ({@code AdminOnly} or {@link TenantAccess}); one that declares none is refused.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface AdminOnly {}
