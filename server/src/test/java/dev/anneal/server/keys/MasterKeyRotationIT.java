package dev.anneal.server.keys;

import static dev.anneal.server.TestApi.anneal;
import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.asAdmin;
import static dev.anneal.server.TestApi.newKey;
import static dev.anneal.server.TestApi.newTenant;
import static dev.anneal.server.TestApi.uploadChat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.server.AnnealTestResources;
import dev.anneal.store.audit.AuditLog;
import dev.anneal.store.crypto.DataKey;
import dev.anneal.store.crypto.MasterKey;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Master key rotation: with the new key current and the old one configured as previous, data keys
 * still wrapped by the old key (or stored before key ids existed) are read through it, and {@code
 * ./anneal admin rotate-master-key} re-wraps every one under the new key without touching the
 * blobs; the audit chain's key moves along, so the chain still verifies.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
@TestProfile(MasterKeyRotationIT.Rotating.class)
class MasterKeyRotationIT {

    static final MasterKey OLD = MasterKey.generate();
    static final MasterKey NEW = MasterKey.generate();

    public static class Rotating implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "anneal.master-key", NEW.toBase64(),
                    "anneal.previous-master-keys", OLD.toBase64());
        }
    }

    @Inject EntityManager em;

    @Test
    void shouldReadThroughThePreviousKeyAndRewrapEverythingUnderTheNewOne() {
        String tenant = newTenant();
        String key = newKey(tenant);
        String file = uploadChat(key);
        // a data key retired by a data key rotation is re-wrapped too
        asAdmin().post("/v1/admin/tenants/" + tenant + "/rotate_data_key").then().statusCode(200);
        String legacy = newTenant();
        String legacyKey = newKey(legacy);
        String legacyFile = uploadChat(legacyKey);
        // as an installation still under the old master key left them: one tenant's key wrapped
        // by it with its id, one stored before ids existed, and the audit chain's key
        wrapUnderOldKey(tenant, OLD.id());
        rewrapUnderOldKey(
                "tenant_retired_data_key", "wrapped_key", "tenant_id = '" + tenant + "'", tenant);
        wrapUnderOldKey(legacy, null);
        wrapAuditKeyUnderOldKey();

        as(key).get("/v1/files/" + file + "/content").then().statusCode(200);
        JsonPath before =
                asAdmin().get("/v1/admin/master_key").then().statusCode(200).extract().jsonPath();
        assertThat(before.getString("current")).isEqualTo(NEW.id());
        assertThat(before.getList("previous")).containsExactly(OLD.id());
        assertThat(before.getLong("tenants_by_key." + OLD.id())).isEqualTo(1);
        assertThat(before.getLong("tenants_by_key.unknown")).isEqualTo(1);
        assertThat(before.getLong("retired_keys_by_key." + OLD.id())).isEqualTo(1);
        assertThat(before.getString("audit_key_wrapped_by")).isEqualTo(OLD.id());

        String printed = anneal("admin", "rotate-master-key");
        assertThat(printed).startsWith("0 Re-wrapped 4 data key(s) under master key " + NEW.id());

        JsonPath after =
                asAdmin().get("/v1/admin/master_key").then().statusCode(200).extract().jsonPath();
        assertThat(after.getMap("tenants_by_key")).containsOnlyKeys(NEW.id());
        assertThat(after.getMap("retired_keys_by_key")).containsOnlyKeys(NEW.id());
        assertThat(after.getString("audit_key_wrapped_by")).isEqualTo(NEW.id());
        // blobs were not re-encrypted, and read as before; the chain still verifies
        as(key).get("/v1/files/" + file + "/content").then().statusCode(200);
        as(legacyKey).get("/v1/files/" + legacyFile + "/content").then().statusCode(200);
        assertThat(anneal("audit", "verify")).startsWith("0 Audit log intact");
        // a second run finds nothing left: resumable, and idempotent
        assertThat(anneal("admin", "rotate-master-key")).startsWith("0 Re-wrapped 0 data key(s)");
    }

    private void wrapUnderOldKey(String tenantId, String recordedId) {
        rewrapUnderOldKey("tenant", "wrapped_data_key", "id = '" + tenantId + "'", tenantId);
        if (recordedId == null) {
            QuarkusTransaction.requiringNew()
                    .run(
                            () ->
                                    em.createNativeQuery(
                                                    "update tenant set master_key_id = null where"
                                                            + " id = :id")
                                            .setParameter("id", tenantId)
                                            .executeUpdate());
        }
    }

    private void wrapAuditKeyUnderOldKey() {
        rewrapUnderOldKey("audit_key", "wrapped_key", "true", AuditLog.KEY_OWNER);
    }

    /** Re-wraps a stored data key (row of {@code table} where {@code where}) under {@link #OLD}. */
    private void rewrapUnderOldKey(String table, String column, String where, String owner) {
        QuarkusTransaction.requiringNew()
                .run(
                        () -> {
                            byte[] wrapped =
                                    (byte[])
                                            em.createNativeQuery(
                                                            "select " + column + " from " + table
                                                                    + " where " + where)
                                                    .getSingleResult();
                            DataKey dataKey = NEW.unwrap(wrapped, owner);
                            em.createNativeQuery(
                                            "update "
                                                    + table
                                                    + " set "
                                                    + column
                                                    + " = :w, master_key_id = :k where "
                                                    + where)
                                    .setParameter("w", OLD.wrap(dataKey, owner))
                                    .setParameter("k", OLD.id())
                                    .executeUpdate();
                        });
    }
}
