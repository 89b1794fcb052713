package dev.anneal.api.audit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Puts every call of a resource method into the audit log, whatever its outcome ({@link
 * AuditRecorder}). Every route that changes something, every content download and every
 * administrator route carries it; {@code AccessDeclarationsTest} checks that.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Audited {

    /** The action, as {@code object.verb}: {@code file.create}, {@code model.download}. */
    String value();

    /**
     * The path parameter holding the id of the object acted on; empty (the default) for the id of
     * the object answered, as when one is created.
     */
    String target() default "";

    /**
     * Whose tenant the entry belongs to: {@link #KEY} (the calling key's tenant), {@link #TARGET}
     * (the object acted on is the tenant), {@link #RESOLVED} (the resource names it through {@link
     * AuditSubject}), {@link #NONE}, or the name of a path parameter that holds a tenant id
     * (administrator routes).
     */
    String tenant() default KEY;

    String KEY = "<key>";
    String TARGET = "<target>";
    String NONE = "<none>";
    String RESOLVED = "<resolved>";
}
