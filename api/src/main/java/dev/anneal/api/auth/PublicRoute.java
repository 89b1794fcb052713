package dev.anneal.api.auth;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A route anyone may call without a credential: only the portal's sign-in page and form, which
 * check the key they are given themselves ({@link PortalSignIn}). {@code AccessDeclarationsTest}
 * lists every such route by name.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface PublicRoute {}
