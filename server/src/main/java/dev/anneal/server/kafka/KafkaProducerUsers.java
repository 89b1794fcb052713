package dev.anneal.server.kafka;

import dev.anneal.api.feedback.ProducerCredentials;
import dev.anneal.events.KafkaSettings;
import dev.anneal.events.Topics;
import dev.anneal.store.Ids;
import dev.anneal.store.NotFoundException;
import dev.anneal.store.tenant.TenantErasure;
import dev.anneal.store.tenant.TenantRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.jboss.logging.Logger;

/**
 * Tenants' in-house feedback producers as Kafka principals: a SCRAM-SHA-512 user named {@code
 * feedback-<tenant id>-<random>}, allowed to write and describe the tenant's own topic and nothing
 * else (the broker refuses what no ACL allows). The user's name carries its tenant, so listing and
 * erasing need no table of their own. A cluster whose authorizer or SCRAM is not enabled refuses
 * these calls, which then fail with the broker's error.
 */
@ApplicationScoped
public class KafkaProducerUsers implements ProducerCredentials {

    private static final Logger LOG = Logger.getLogger(KafkaProducerUsers.class);
    private static final long TIMEOUT_SECONDS = 15;
    private static final int ITERATIONS = 8192;

    private final KafkaTopics topics;
    private final KafkaSettings settings;
    private final TenantRepository tenants;

    @Inject
    KafkaProducerUsers(KafkaTopics topics, KafkaSettings settings, TenantRepository tenants) {
        this.topics = topics;
        this.settings = settings;
        this.tenants = tenants;
    }

    @Override
    public Created create(String tenantId) {
        requireTenant(tenantId);
        String username = prefix(tenantId) + Ids.randomToken(8).toLowerCase(Locale.ROOT);
        String password = Ids.randomToken(40);
        String topic = Topics.tenantPreferences(tenantId);
        call(
                () -> {
                    topics.ensureTopic(topic);
                    Admin admin = topics.admin();
                    admin.alterUserScramCredentials(
                                    List.of(
                                            new UserScramCredentialUpsertion(
                                                    username,
                                                    new ScramCredentialInfo(
                                                            ScramMechanism.SCRAM_SHA_512,
                                                            ITERATIONS),
                                                    password)))
                            .all()
                            .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    admin.createAcls(
                                    List.of(
                                            allow(username, topic, AclOperation.WRITE),
                                            allow(username, topic, AclOperation.DESCRIBE)))
                            .all()
                            .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    return null;
                });
        LOG.infof("Created Kafka producer %s for tenant %s (topic %s)", username, tenantId, topic);
        return new Created(
                username,
                password,
                topic,
                settings.bootstrapServers(),
                settings.security().getOrDefault("security.protocol", "SASL_PLAINTEXT"),
                ScramMechanism.SCRAM_SHA_512.mechanismName());
    }

    @Override
    public List<String> list(String tenantId) {
        requireTenant(tenantId);
        return usersOf(tenantId);
    }

    @Override
    public boolean revoke(String tenantId, String username) {
        requireTenant(tenantId);
        if (!usersOf(tenantId).contains(username)) {
            return false;
        }
        deleteUsers(List.of(username));
        return true;
    }

    /** An erased tenant keeps no principal, right or topic in Kafka. */
    void onTenantErased(@Observes TenantErasure.TenantErased erased) {
        try {
            List<String> users = usersOf(erased.tenantId());
            deleteUsers(users);
            call(
                    () -> {
                        topics.deleteTopic(Topics.tenantPreferences(erased.tenantId()));
                        return null;
                    });
        } catch (RuntimeException e) {
            LOG.errorf(
                    "Could not remove the Kafka producers and topic of erased tenant %s: %s",
                    erased.tenantId(), e.getMessage());
        }
    }

    private List<String> usersOf(String tenantId) {
        String prefix = prefix(tenantId);
        return call(
                () ->
                        topics
                                .admin()
                                .describeUserScramCredentials()
                                .all()
                                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
                                .keySet()
                                .stream()
                                .filter(name -> name.startsWith(prefix))
                                .sorted()
                                .toList());
    }

    private void deleteUsers(List<String> users) {
        if (users.isEmpty()) {
            return;
        }
        call(
                () -> {
                    Admin admin = topics.admin();
                    admin.alterUserScramCredentials(
                                    users.stream()
                                            .map(
                                                    u ->
                                                            (org.apache.kafka.clients.admin
                                                                            .UserScramCredentialAlteration)
                                                                    new UserScramCredentialDeletion(
                                                                            u,
                                                                            ScramMechanism
                                                                                    .SCRAM_SHA_512))
                                            .toList())
                            .all()
                            .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    admin.deleteAcls(
                                    users.stream()
                                            .map(
                                                    u ->
                                                            new AclBindingFilter(
                                                                    ResourcePatternFilter.ANY,
                                                                    new AccessControlEntryFilter(
                                                                            "User:" + u,
                                                                            null,
                                                                            AclOperation.ANY,
                                                                            AclPermissionType.ANY)))
                                            .toList())
                            .all()
                            .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    return null;
                });
    }

    private void requireTenant(String tenantId) {
        if (tenants.find(tenantId).filter(t -> t.erasedAt() == null).isEmpty()) {
            throw new NotFoundException("tenant", tenantId, "tenant_id");
        }
    }

    private static String prefix(String tenantId) {
        return "feedback-" + tenantId + "-";
    }

    private static AclBinding allow(String user, String topic, AclOperation operation) {
        return new AclBinding(
                new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
                new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW));
    }

    private interface KafkaCall<T> {
        T run() throws InterruptedException, ExecutionException, TimeoutException;
    }

    private static <T> T call(KafkaCall<T> call) {
        try {
            return call.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while calling Kafka", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(
                    "Kafka refused or did not answer: "
                            + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()),
                    e);
        }
    }
}
