package dev.anneal.api.audit;

import dev.anneal.api.RequestIdFilter;
import dev.anneal.api.auth.CurrentKey;
import dev.anneal.api.error.ErrorResponse;
import dev.anneal.store.LogFields;
import dev.anneal.store.audit.AuditEntry;
import dev.anneal.store.audit.AuditLog;
import dev.anneal.store.tenant.CurrentTenant;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerRequest;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

/**
 * Appends an entry to the audit log for every answered call of an {@link Audited} route, after the
 * answer is decided and before it is sent: who (the key, from {@link CurrentKey}), the tenant, the
 * client's address, the request id, the action, the object and the outcome ({@code succeeded} for
 * 2xx and 3xx, {@code denied} for 4xx, {@code failed} for 5xx, with the error's code). A call whose
 * key is unknown is not recorded: there is nobody to attribute it to, and recording it would let
 * anyone fill the log (failed authentications are counted and limited instead).
 *
 * <p>The entry is written in a transaction of its own, so a refused or failed change is recorded
 * too. If the write fails the answer still goes out and the failure is logged as an error.
 */
public class AuditRecorder {

    private static final Logger LOG = Logger.getLogger(AuditRecorder.class);

    private final AuditLog log;
    private final CurrentKey currentKey;
    private final CurrentTenant currentTenant;
    private final AuditSubject subject;
    private final Map<SimpleResourceInfo, Optional<Audited>> declared = new ConcurrentHashMap<>();
    private final Map<Class<?>, Optional<Method>> idAccessors = new ConcurrentHashMap<>();

    @Inject
    AuditRecorder(
            AuditLog log,
            CurrentKey currentKey,
            CurrentTenant currentTenant,
            AuditSubject subject) {
        this.log = log;
        this.subject = subject;
        this.currentKey = currentKey;
        this.currentTenant = currentTenant;
    }

    @ServerResponseFilter
    public void record(
            ContainerRequestContext request,
            ContainerResponseContext response,
            SimpleResourceInfo resource,
            HttpServerRequest connection) {
        if (resource == null || resource.getResourceClass() == null) {
            return; // no route matched: nothing was done
        }
        Audited audited = declared.computeIfAbsent(resource, AuditRecorder::audited).orElse(null);
        AuditEntry.Actor actor = currentKey.actor();
        if (audited == null || actor == null) {
            return;
        }
        int status = response.getStatus();
        Object entity = response.getEntity();
        String target =
                audited.target().isEmpty()
                        ? (status < 300 ? idOf(entity) : null)
                        : request.getUriInfo().getPathParameters().getFirst(audited.target());
        AuditLog.Event event =
                new AuditLog.Event(
                        tenant(audited, request, target),
                        actor,
                        connection == null || connection.remoteAddress() == null
                                ? null
                                : connection.remoteAddress().hostAddress(),
                        requestId(response),
                        audited.value(),
                        target,
                        status < 400 ? "succeeded" : status < 500 ? "denied" : "failed",
                        status,
                        entity instanceof ErrorResponse error ? error.error().code() : null);
        if (Context.isOnEventLoopThread()) {
            Infrastructure.getDefaultWorkerPool().execute(() -> append(event));
        } else {
            append(event);
        }
    }

    /** The id {@link RequestIdFilter} gave the request, from the logging context. */
    private static String requestId(ContainerResponseContext response) {
        Object id = MDC.get(LogFields.REQUEST_ID);
        return id != null ? id.toString() : response.getHeaderString(RequestIdFilter.HEADER);
    }

    private void append(AuditLog.Event event) {
        try {
            log.append(event);
        } catch (RuntimeException e) {
            LOG.errorf(
                    e,
                    "Could not write the audit entry of %s on %s by %s",
                    event.action(),
                    event.target(),
                    event.actor().id());
        }
    }

    private String tenant(Audited audited, ContainerRequestContext request, String target) {
        return switch (audited.tenant()) {
            case Audited.KEY -> currentTenant.id().orElse(null);
            case Audited.TARGET -> target;
            case Audited.NONE -> null;
            case Audited.RESOLVED -> subject.tenant();
            default -> request.getUriInfo().getPathParameters().getFirst(audited.tenant());
        };
    }

    /** The {@code id()} of the object answered (a record of the API's), or null. */
    private String idOf(Object entity) {
        if (entity == null) {
            return null;
        }
        Optional<Method> accessor =
                idAccessors.computeIfAbsent(
                        entity.getClass(),
                        type -> {
                            try {
                                Method id = type.getMethod("id");
                                return id.getReturnType() == String.class
                                        ? Optional.of(id)
                                        : Optional.empty();
                            } catch (NoSuchMethodException e) {
                                return Optional.empty();
                            }
                        });
        try {
            return accessor.isEmpty() ? null : (String) accessor.get().invoke(entity);
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    private static Optional<Audited> audited(SimpleResourceInfo resource) {
        try {
            Method method =
                    resource.getResourceClass()
                            .getMethod(resource.getMethodName(), resource.parameterTypes());
            return Optional.ofNullable(method.getAnnotation(Audited.class));
        } catch (NoSuchMethodException e) {
            return Optional.empty();
        }
    }
}
