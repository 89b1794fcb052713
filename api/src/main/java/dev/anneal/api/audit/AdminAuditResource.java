package dev.anneal.api.audit;

import dev.anneal.api.ListResponse;
import dev.anneal.api.auth.AdminOnly;
import dev.anneal.store.audit.AuditLog;
import jakarta.inject.Inject;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/** The whole audit log, for administrators, and the check of its chain. */
@Path("/v1/admin/audit")
@Produces(MediaType.APPLICATION_JSON)
@AdminOnly
public class AdminAuditResource {

    private final AuditLog log;

    /** The outcome of {@link AuditLog#verify()}. */
    public record VerificationObject(
            String object,
            boolean valid,
            long entries,
            String headId,
            String headHash,
            AuditLog.Broken firstBroken) {}

    @Inject
    AdminAuditResource(AuditLog log) {
        this.log = log;
    }

    /** Every tenant's entries and those outside any tenant, or one tenant's with {@code tenant}. */
    @GET
    @Audited(value = "audit.list", tenant = Audited.NONE)
    public ListResponse<AuditEntryObject> list(
            @QueryParam("tenant") String tenantId, @BeanParam AuditQuery query) {
        return query.page(log, tenantId);
    }

    /** Walks the whole chain; {@code valid} false names the first entry that breaks it. */
    @GET
    @Path("/verify")
    @Audited(value = "audit.verify", tenant = Audited.NONE)
    public VerificationObject verify() {
        AuditLog.Verification v = log.verify();
        return new VerificationObject(
                "audit.verification",
                v.valid(),
                v.entries(),
                v.headId(),
                v.headHash(),
                v.firstBroken());
    }
}
