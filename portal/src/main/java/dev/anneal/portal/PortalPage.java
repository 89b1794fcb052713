package dev.anneal.portal;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A class of portal pages: its routes answer HTML, and their errors are answered as the portal's
 * error pages ({@link PortalErrors}) instead of the API's JSON: a request without a live session
 * goes to the sign-in page, another tenant's id shows "not found".
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface PortalPage {}
