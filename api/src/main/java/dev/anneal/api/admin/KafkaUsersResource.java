package dev.anneal.api.admin;

import dev.anneal.api.DeletedObject;
import dev.anneal.api.ListResponse;
import dev.anneal.api.audit.Audited;
import dev.anneal.api.auth.AdminOnly;
import dev.anneal.api.feedback.ProducerCredentials;
import dev.anneal.store.NotFoundException;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseStatus;

/**
 * Kafka principals for a tenant's in-house feedback producers ({@code ./anneal admin kafka-user
 * --tenant ID}): each may write the tenant's own topic only.
 */
@AdminOnly
@Path("/v1/admin/tenants/{tenant_id}/kafka_users")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Administration")
public class KafkaUsersResource {

    /** A principal; its password only in the answer that created it. */
    public record KafkaUserObject(
            String object,
            String username,
            String password,
            String topic,
            String bootstrapServers,
            String securityProtocol,
            String saslMechanism) {}

    private final ProducerCredentials credentials;

    @Inject
    KafkaUsersResource(ProducerCredentials credentials) {
        this.credentials = credentials;
    }

    @POST
    @ResponseStatus(201)
    @Operation(summary = "Create a Kafka principal that may write the tenant's feedback topic")
    @Audited(value = "kafka_user.create", tenant = "tenant_id")
    public KafkaUserObject create(@PathParam("tenant_id") String tenantId) {
        ProducerCredentials.Created c = credentials.create(tenantId);
        return new KafkaUserObject(
                "kafka_user",
                c.username(),
                c.password(),
                c.topic(),
                c.bootstrapServers(),
                c.securityProtocol(),
                c.saslMechanism());
    }

    @GET
    @Operation(summary = "List the tenant's Kafka principals")
    @Audited(value = "kafka_user.list", target = "tenant_id", tenant = "tenant_id")
    public ListResponse<KafkaUserObject> list(@PathParam("tenant_id") String tenantId) {
        return ListResponse.of(
                credentials.list(tenantId).stream()
                        .map(
                                u ->
                                        new KafkaUserObject(
                                                "kafka_user", u, null, null, null, null, null))
                        .toList(),
                false,
                KafkaUserObject::username);
    }

    @DELETE
    @Path("/{username}")
    @Operation(summary = "Delete a Kafka principal of the tenant and its rights")
    @Audited(value = "kafka_user.revoke", target = "username", tenant = "tenant_id")
    public DeletedObject revoke(
            @PathParam("tenant_id") String tenantId, @PathParam("username") String username) {
        if (!credentials.revoke(tenantId, username)) {
            throw new NotFoundException("kafka_user", username, "username");
        }
        return DeletedObject.of(username, "kafka_user");
    }
}
