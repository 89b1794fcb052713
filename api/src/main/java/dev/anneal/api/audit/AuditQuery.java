package dev.anneal.api.audit;

import dev.anneal.api.ListResponse;
import dev.anneal.store.InvalidRequestException;
import dev.anneal.store.Page;
import dev.anneal.store.PageRequest;
import dev.anneal.store.audit.AuditEntry;
import dev.anneal.store.audit.AuditLog;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.QueryParam;
import java.time.Instant;

/** The filters and paging that both audit lists take from the query string. */
public class AuditQuery {

    @QueryParam("action")
    String action;

    @QueryParam("actor")
    String actor;

    @QueryParam("target")
    String target;

    @QueryParam("outcome")
    String outcome;

    /** Unix seconds: entries at or after. */
    @QueryParam("since")
    Long since;

    /** Unix seconds: entries before. */
    @QueryParam("until")
    Long until;

    @QueryParam("after")
    String after;

    @QueryParam("limit")
    @DefaultValue("100")
    int limit;

    @QueryParam("order")
    String order;

    /** The page of {@code tenantId}'s entries (every tenant's and none's when null). */
    ListResponse<AuditEntryObject> page(AuditLog log, String tenantId) {
        if (outcome != null
                && !outcome.equals("succeeded")
                && !outcome.equals("denied")
                && !outcome.equals("failed")) {
            throw new InvalidRequestException(
                    "'outcome' must be 'succeeded', 'denied' or 'failed', got '" + outcome + "'.",
                    "outcome");
        }
        Page<AuditEntry> page =
                log.list(
                        new AuditLog.Filter(
                                tenantId,
                                action,
                                actor,
                                target,
                                outcome,
                                since == null ? null : Instant.ofEpochSecond(since),
                                until == null ? null : Instant.ofEpochSecond(until)),
                        new PageRequest(after, limit, PageRequest.newestFirst(order)));
        return ListResponse.of(
                page.data().stream().map(AuditEntryObject::of).toList(),
                page.hasMore(),
                AuditEntryObject::id);
    }
}
