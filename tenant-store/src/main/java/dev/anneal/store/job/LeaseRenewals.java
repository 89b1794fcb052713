package dev.anneal.store.job;

import io.agroal.api.AgroalDataSource;
import io.quarkus.agroal.DataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Renews workers' leases over connections of their own (the {@code leases} datasource, a few
 * connections beside the main pool), so that requests that take every connection of the main pool,
 * a flood of them included, cannot make healthy jobs miss their renewals and fence themselves off.
 */
@ApplicationScoped
public class LeaseRenewals {

    /** The datasource's name. */
    public static final String DATASOURCE = "leases";

    private final AgroalDataSource leases;

    @Inject
    LeaseRenewals(@DataSource(DATASOURCE) AgroalDataSource leases) {
        this.leases = leases;
    }

    /** What a renewal learned. */
    public enum Renewal {
        /** The lease is extended; go on. */
        RENEWED,
        /** The lease is extended, and the job's owner asked to cancel it. */
        CANCEL_REQUESTED,
        /**
         * The lease is extended, and the job's tenant is suspended: stop at the next checkpoint.
         */
        SUSPENDED,
        /** The lease is no longer this worker's: stop at once, write nothing. */
        LOST
    }

    /**
     * Extends the lease by {@code lease} from now, if it is still held.
     *
     * @throws IllegalStateException if the database cannot be reached (the lease was not renewed)
     */
    public Renewal renew(JobLease held, Duration lease) {
        try (Connection connection = leases.getConnection();
                PreparedStatement statement =
                        connection.prepareStatement(
                                "update fine_tuning_job j set lease_expires_at = now() +"
                                        + " make_interval(secs => ?) from tenant t where j.id = ?"
                                        + " and j.lease_owner = ? and j.attempts = ? and j.status"
                                        + " = 'running' and t.id = j.tenant_id returning"
                                        + " j.cancel_requested, t.suspended_at is not null")) {
            statement.setDouble(1, lease.toMillis() / 1000.0);
            statement.setString(2, held.jobId());
            statement.setString(3, held.owner());
            statement.setInt(4, held.attempt());
            try (ResultSet rows = statement.executeQuery()) {
                if (!rows.next()) {
                    return Renewal.LOST;
                }
                if (rows.getBoolean(1)) {
                    return Renewal.CANCEL_REQUESTED;
                }
                return rows.getBoolean(2) ? Renewal.SUSPENDED : Renewal.RENEWED;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not renew the lease: " + e.getMessage(), e);
        }
    }
}
