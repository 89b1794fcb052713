package dev.anneal.server.tenants;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.asAdmin;
import static dev.anneal.server.TestApi.newKey;
import static dev.anneal.server.TestApi.newTenant;
import static dev.anneal.server.TestApi.upload;
import static dev.anneal.server.feedback.FeedbackTestSupport.awaitReadable;
import static dev.anneal.server.jobs.JobTestSupport.trainTinyLora;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.anneal.events.KafkaSettings;
import dev.anneal.events.Topics;
import dev.anneal.server.AnnealTestResources;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

/**
 * Erasing a tenant: refused until it is suspended and its name is repeated; then its key, blobs,
 * rows and keys are gone, every one of its ids answers 404, no plaintext of its files or feedback
 * is left in PostgreSQL or anywhere in the data folder (Kafka's logs included, once the topics'
 * retention has passed: 3 s here), its Kafka producers and topic are gone, and another tenant is
 * untouched.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
@TestProfile(TenantErasureIT.ShortRetention.class)
class TenantErasureIT {

    public static class ShortRetention implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("anneal.kafka.retention", "3s");
        }
    }

    @Inject EntityManager em;
    @Inject KafkaSettings kafka;

    @Test
    void shouldEraseEveryTraceOfATenantAndNothingOfAnother() throws Exception {
        String secret = "erase-me-" + UUID.randomUUID();
        String kept = "keep-me-" + UUID.randomUUID();
        String tenant = newTenant();
        String name = asAdmin().get("/v1/admin/tenants/" + tenant).then().extract().path("name");
        String key = newKey(tenant);
        String fileId = uploadSecret(key, secret);
        String eventId = submitFeedback(key, secret);
        String model = trainTinyLora(key, "anneal-nano");
        asAdmin().post("/v1/admin/tenants/" + tenant + "/kafka_users").then().statusCode(201);
        String bystander = newTenant();
        String otherKey = newKey(bystander);
        String otherFile = uploadSecret(otherKey, kept);
        String otherEvent = submitFeedback(otherKey, kept);
        awaitReadable(key, eventId);
        awaitReadable(otherKey, otherEvent);
        assertThat(tablesContaining(secret)).as("feedback and files are sealed at rest").isEmpty();
        assertThat(dataFilesContaining(secret))
                .as("Kafka's log holds the feedback until its retention")
                .isNotEmpty();

        asAdmin().delete("/v1/admin/tenants/" + tenant + "?confirm=" + name).then().statusCode(409);
        asAdmin().post("/v1/admin/tenants/" + tenant + "/suspend").then().statusCode(200);
        asAdmin()
                .delete("/v1/admin/tenants/" + tenant + "?confirm=not-its-name")
                .then()
                .statusCode(400)
                .body("error.param", equalTo("confirm"));
        asAdmin()
                .queryParam("confirm", name)
                .delete("/v1/admin/tenants/" + tenant)
                .then()
                .statusCode(200)
                .body("id", equalTo(tenant))
                .body("deleted", equalTo(true));

        // every id of it answers 404 (its keys 401), to the administrator and to anyone else
        as(key).get("/v1/files").then().statusCode(401);
        asAdmin().get("/v1/admin/tenants/" + tenant).then().statusCode(404);
        asAdmin().get("/v1/admin/tenants/" + tenant + "/usage").then().statusCode(404);
        asAdmin().get("/v1/admin/tenants/" + tenant + "/api_keys").then().statusCode(404);
        asAdmin()
                .queryParam("confirm", name)
                .delete("/v1/admin/tenants/" + tenant)
                .then()
                .statusCode(404);
        as(otherKey).get("/v1/files/" + fileId).then().statusCode(404);
        as(otherKey).get("/v1/models/" + model).then().statusCode(404);
        as(otherKey).get("/v1/feedback/" + eventId).then().statusCode(404);
        assertThat(rowsOf(tenant)).as("rows left of the tenant").isEmpty();
        try (Admin admin = Admin.create(kafka.admin())) {
            assertThat(admin.listTopics().names().get())
                    .doesNotContain(Topics.tenantPreferences(tenant));
            assertThat(admin.describeUserScramCredentials().all().get().keySet())
                    .noneMatch(user -> user.contains(tenant));
        }
        assertThat(Files.exists(AnnealTestResources.dataDir().resolve("blobs").resolve(tenant)))
                .isFalse();

        // the other tenant keeps everything
        as(otherKey)
                .get("/v1/files/" + otherFile + "/content")
                .then()
                .statusCode(200)
                .body(org.hamcrest.Matchers.containsString(kept));
        as(otherKey)
                .get("/v1/feedback/" + otherEvent)
                .then()
                .statusCode(200)
                .body("prompt[0].content", equalTo(kept));

        // past the topics' retention, no file of the data folder holds the plaintext
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        List<Path> holding = dataFilesContaining(secret);
        while (!holding.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            holding = dataFilesContaining(secret);
        }
        System.out.printf(
                "Erased tenant's plaintext gone from the data folder %.1f s before the deadline%n",
                (deadline - System.nanoTime()) / 1e9);
        assertThat(holding).as("files still holding the erased tenant's plaintext").isEmpty();
        assertThat(tablesContaining(secret)).isEmpty();
        // and the erasure is on record
        asAdmin()
                .get("/v1/admin/audit?tenant=" + tenant + "&action=tenant.erase&outcome=succeeded")
                .then()
                .statusCode(200)
                .body("data[0].outcome", equalTo("succeeded"));
    }

    private static String uploadSecret(String key, String text) {
        String line =
                "{\"messages\":[{\"role\":\"user\",\"content\":\""
                        + text
                        + "\"},{\"role\":\"assistant\",\"content\":\"Noted.\"}]}\n";
        return upload(key, "notes.jsonl", line.repeat(3))
                .then()
                .statusCode(200)
                .extract()
                .path("id");
    }

    private static String submitFeedback(String key, String text) {
        String eventId = UUID.randomUUID().toString();
        as(key).contentType("application/json")
                .body(
                        """
                        {"event_id":"%s","type":"pairwise",
                         "prompt":[{"role":"user","content":"%s"}],
                         "chosen":[{"role":"assistant","content":"%s, yes"}],
                         "rejected":[{"role":"assistant","content":"no"}],
                         "chosen_model":"anneal-nano","rejected_model":"anneal-nano"}
                        """
                                .formatted(eventId, text, text))
                .post("/v1/feedback")
                .then()
                .statusCode(202);
        return eventId;
    }

    /** Tables with a row whose text form contains {@code needle}. */
    @SuppressWarnings("unchecked")
    private List<String> tablesContaining(String needle) {
        return QuarkusTransaction.requiringNew()
                .call(
                        () -> {
                            List<String> found = new ArrayList<>();
                            for (String table : tables()) {
                                Number n =
                                        (Number)
                                                em.createNativeQuery(
                                                                "select count(*) from "
                                                                        + table
                                                                        + " t where t::text like"
                                                                        + " :needle")
                                                        .setParameter("needle", "%" + needle + "%")
                                                        .getSingleResult();
                                if (n.longValue() > 0) {
                                    found.add(table);
                                }
                            }
                            return found;
                        });
    }

    /** Tables with a row of {@code tenantId} (the audit log aside, which keeps the record). */
    private List<String> rowsOf(String tenantId) {
        return tablesContaining(tenantId).stream().filter(t -> !t.equals("audit_event")).toList();
    }

    @SuppressWarnings("unchecked")
    private List<String> tables() {
        return em.createNativeQuery(
                        "select table_name::text from information_schema.tables where table_schema"
                                + " = 'public' and table_type = 'BASE TABLE'")
                .getResultList();
    }

    /**
     * Files under the data folder (blobs, PostgreSQL's files, Kafka's logs) holding the text; files
     * and folders deleted while it looks (Kafka deleting a topic) are passed over.
     */
    private static List<Path> dataFilesContaining(String needle) {
        byte[] pattern = needle.getBytes(StandardCharsets.UTF_8);
        List<Path> found = new ArrayList<>();
        try {
            Files.walkFileTree(
                    AnnealTestResources.dataDir(),
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                            if (attrs.isRegularFile() && contains(file, pattern)) {
                                found.add(file);
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException gone) {
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    private static boolean contains(Path file, byte[] pattern) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException gone) {
            return false; // deleted or unreadable meanwhile
        }
        outer:
        for (int i = 0; i <= bytes.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (bytes[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return Arrays.equals(pattern, new byte[0]);
    }
}
