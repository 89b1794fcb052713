package dev.anneal.server.audit;

import static dev.anneal.server.TestApi.anneal;
import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.asAdmin;
import static dev.anneal.server.TestApi.newKey;
import static dev.anneal.server.TestApi.newTenant;
import static dev.anneal.server.TestApi.newTenantKey;
import static dev.anneal.server.TestApi.uploadChat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.server.AnnealTestResources;
import dev.anneal.store.UnitOfWork;
import dev.anneal.store.audit.AuditEntry;
import dev.anneal.store.audit.AuditLog;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The audit log through HTTP: what a tenant's keys and the administrator do lands in it with who,
 * where from, which request and what came of it; each tenant sees only its own entries; appends
 * racing each other still form one chain; and an edited or removed row is found by the chain check,
 * named.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class AuditLogIT {

    @Inject EntityManager em;
    @Inject AuditLog log;

    @Test
    void shouldKeepOneUnbrokenChainWhenManyAppendAtOnce() throws Exception {
        AuditEntry.Actor actor = new AuditEntry.Actor("api_key", "key-test", "test");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<AuditEntry>> appends = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                AuditLog.Event event =
                        new AuditLog.Event(
                                null,
                                actor,
                                "127.0.0.1",
                                "req-" + i,
                                "test.append",
                                "target-" + i,
                                "succeeded",
                                200,
                                null);
                appends.add(pool.submit(() -> UnitOfWork.call(() -> log.append(event))));
            }
            for (Future<AuditEntry> append : appends) {
                append.get(1, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(verify().getBoolean("valid")).isTrue();
        // two entries linked to the same predecessor would be a fork
        assertThat(sql("select (count(*) - count(distinct prev_hash))::text from audit_event"))
                .isEqualTo("0");
    }

    @Test
    void shouldRecordATenantsChangesDownloadsAndRefusalsWithWhoWhereAndOutcome() {
        String tenant = newTenant();
        String key = newKey(tenant);
        String fileId = uploadChat(key);
        as(key).header("x-request-id", "audit-download-1")
                .get("/v1/files/" + fileId + "/content")
                .then()
                .statusCode(200);
        as(key).delete("/v1/files/" + fileId).then().statusCode(200);
        as(key).delete("/v1/files/" + fileId).then().statusCode(404);
        String narrow =
                as(key).contentType("application/json")
                        .body("{\"name\":\"uploader\",\"scopes\":[\"files\"]}")
                        .post("/v1/api_keys")
                        .then()
                        .statusCode(201)
                        .extract()
                        .path("key");
        as(narrow)
                .contentType("application/json")
                .body("{\"model\":\"anneal-nano\",\"training_file\":\"" + fileId + "\"}")
                .post("/v1/fine_tuning/jobs")
                .then()
                .statusCode(403);

        JsonPath audit =
                as(key).get("/v1/audit?order=asc").then().statusCode(200).extract().jsonPath();
        assertThat(audit.getList("data.action", String.class))
                .containsExactly(
                        "tenant.create", // by the administrator
                        "api_key.create",
                        "file.create",
                        "file.download",
                        "file.delete",
                        "file.delete",
                        "api_key.create",
                        "job.create");
        Map<String, Object> download = audit.getMap("data[3]");
        assertThat(download)
                .containsEntry("tenant_id", tenant)
                .containsEntry("target", fileId)
                .containsEntry("outcome", "succeeded")
                .containsEntry("status", 200)
                .containsEntry("request_id", "audit-download-1")
                .containsEntry("client_address", "127.0.0.1");
        assertThat(audit.getString("data[3].actor.type")).isEqualTo("api_key");
        assertThat(audit.getString("data[2].actor.id")).startsWith("key-");
        assertThat(audit.getString("data[1].actor.type")).isEqualTo("bootstrap");
        assertThat(audit.getString("data[5].outcome")).isEqualTo("denied");
        assertThat(audit.getString("data[5].error_code")).isEqualTo("not_found");
        assertThat(audit.getString("data[7].outcome")).isEqualTo("denied");
        assertThat(audit.getString("data[7].error_code")).isEqualTo("insufficient_scope");
        assertThat(audit.getString("data[7].actor.name")).isEqualTo("uploader");

        // filtered and paged in the list shape
        JsonPath deletes =
                as(key).get("/v1/audit?action=file.delete&limit=1")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath();
        assertThat(deletes.getString("object")).isEqualTo("list");
        assertThat(deletes.getList("data")).hasSize(1);
        assertThat(deletes.getBoolean("has_more")).isTrue();
        assertThat(deletes.getString("data[0].outcome")).isEqualTo("denied");

        // another tenant sees none of it
        assertThat(
                        as(newTenantKey())
                                .get("/v1/audit?target=" + fileId)
                                .then()
                                .statusCode(200)
                                .extract()
                                .jsonPath()
                                .getList("data"))
                .isEmpty();
        // a key without every scope may not read the log
        as(narrow).get("/v1/audit").then().statusCode(403);
    }

    @Test
    void shouldRecordAdministratorActionsUnderTheTenantTheyConcern() {
        String tenant = newTenant();
        asAdmin().post("/v1/admin/tenants/" + tenant + "/suspend").then().statusCode(200);
        asAdmin().post("/v1/admin/tenants/" + tenant + "/resume").then().statusCode(200);
        JsonPath audit =
                asAdmin()
                        .get("/v1/admin/audit?tenant=" + tenant + "&order=asc")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath();
        assertThat(audit.getList("data.action", String.class))
                .containsExactly("tenant.create", "tenant.suspend", "tenant.resume");
        assertThat(audit.getList("data.target", String.class)).containsOnly(tenant);
        assertThat(audit.getList("data.actor.type", String.class)).containsOnly("bootstrap");

        // revoking a key by its id alone is still the tenant's to see
        String key = newKey(tenant);
        String keyId = as(key).get("/v1/api_keys").then().extract().path("data[0].id");
        asAdmin().delete("/v1/admin/api_keys/" + keyId).then().statusCode(200);
        assertThat(
                        asAdmin()
                                .get("/v1/admin/audit?tenant=" + tenant + "&action=api_key.revoke")
                                .then()
                                .statusCode(200)
                                .extract()
                                .jsonPath()
                                .getString("data[0].target"))
                .isEqualTo(keyId);
    }

    @Test
    void shouldNameTheFirstEditedOrRemovedEntryWhenVerifyingTheChain() {
        uploadChat(newTenantKey());
        uploadChat(newTenantKey());
        JsonPath intact = verify();
        assertThat(anneal("audit", "verify")).startsWith("0 Audit log intact: ");
        assertThat(intact.getBoolean("valid")).isTrue();
        assertThat(intact.getLong("entries")).isGreaterThan(2);

        long victim = lastSeq() - 2;
        String saved = sql("select row_to_json(a)::text from audit_event a where seq = " + victim);
        update("update audit_event set target = 'file-forged' where seq = " + victim);
        JsonPath edited = verify();
        assertThat(anneal("audit", "verify"))
                .startsWith("1 Audit log BROKEN at audit-" + victim + " ");
        assertThat(edited.getBoolean("valid")).isFalse();
        assertThat(edited.getString("first_broken.id")).isEqualTo("audit-" + victim);
        assertThat(edited.getString("first_broken.reason")).contains("edited");

        // a removed entry shows at the next one, whose link no longer holds
        update("delete from audit_event where seq = " + victim);
        JsonPath removed = verify();
        assertThat(removed.getBoolean("valid")).isFalse();
        assertThat(removed.getLong("first_broken.seq")).isGreaterThan(victim);
        assertThat(removed.getString("first_broken.reason")).contains("removed");

        update(
                "insert into audit_event overriding system value select * from"
                        + " json_populate_record(null::audit_event, '"
                        + saved.replace("'", "''")
                        + "')");
        assertThat(verify().getBoolean("valid")).isTrue();
    }

    private JsonPath verify() {
        return asAdmin().get("/v1/admin/audit/verify").then().statusCode(200).extract().jsonPath();
    }

    private long lastSeq() {
        return Long.parseLong(sql("select max(seq)::text from audit_event"));
    }

    private String sql(String query) {
        return QuarkusTransaction.requiringNew()
                .call(() -> (String) em.createNativeQuery(query).getSingleResult());
    }

    private void update(String statement) {
        QuarkusTransaction.requiringNew()
                .run(() -> em.createNativeQuery(statement).executeUpdate());
    }
}
