package dev.anneal.server.blobs;

import dev.anneal.store.UnitOfWork;
import dev.anneal.store.blob.BlobKey;
import dev.anneal.store.blob.BlobStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Brings the blob store and the records in agreement, at start and every {@code
 * anneal.blobs.reconcile-interval} (default an hour). A blob is written before the record that
 * names it (an upload, a checkpoint, a model), so a crash in between leaves a blob no record names:
 * such blobs, once older than the grace period ({@code anneal.blobs.orphan-grace}, 1h, so that no
 * write in flight is touched), are deleted. Records whose blob is missing (a blob store restored
 * from an older backup, a disk error) cannot be read; checkpoints among them are deleted (a resume
 * would fail on them), files and models are reported in the log for the operator. Both counts are
 * in {@code /q/metrics}: {@code anneal_blobs_orphaned_deleted_total} and {@code
 * anneal_blobs_records_without_blob_total}.
 */
@ApplicationScoped
public class BlobReconciliation {

    private static final Logger LOG = Logger.getLogger(BlobReconciliation.class);

    /** Blobs younger than this may belong to a write whose record is not committed yet. */
    private static final String NAMED_BLOBS =
            "select tenant_id, id, 'file' from stored_file union all select tenant_id, id,"
                    + " 'checkpoint' from job_checkpoint union all select tenant_id, blob_name,"
                    + " 'model' from fine_tuned_model";

    private final BlobStore blobs;
    private final EntityManager em;
    private final Duration interval;
    private final Counter orphansDeleted;
    private final Counter recordsWithoutBlob;
    private final Duration grace;
    private ScheduledExecutorService schedule;

    @Inject
    BlobReconciliation(
            BlobStore blobs,
            EntityManager em,
            MeterRegistry registry,
            @ConfigProperty(name = "anneal.blobs.reconcile-interval", defaultValue = "1h")
                    Duration interval,
            @ConfigProperty(name = "anneal.blobs.orphan-grace", defaultValue = "1h")
                    Duration grace) {
        this.grace = grace;
        this.blobs = blobs;
        this.em = em;
        this.interval = interval;
        this.orphansDeleted =
                Counter.builder("anneal_blobs_orphaned_deleted")
                        .description("Blobs no record named, deleted by reconciliation")
                        .register(registry);
        this.recordsWithoutBlob =
                Counter.builder("anneal_blobs_records_without_blob")
                        .description("Records found naming a missing blob")
                        .register(registry);
    }

    void start(@Observes StartupEvent startup) {
        schedule =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread thread = new Thread(r, "anneal-blob-reconciliation");
                            thread.setDaemon(true);
                            return thread;
                        });
        schedule.scheduleWithFixedDelay(
                this::reconcileQuietly, 0, interval.toSeconds(), TimeUnit.SECONDS);
    }

    void stop(@Observes ShutdownEvent shutdown) {
        if (schedule != null) {
            schedule.shutdownNow();
        }
    }

    private void reconcileQuietly() {
        try {
            reconcile(Instant.now().minus(grace));
        } catch (RuntimeException | IOException e) {
            LOG.error("Blob reconciliation failed; it runs again at the next interval", e);
        }
    }

    /**
     * Deletes the blobs last written before {@code cutoff} that no record names, and the checkpoint
     * records whose blob is missing.
     *
     * @return what it found
     */
    public Result reconcile(Instant cutoff) throws IOException {
        List<BlobKey> candidates = blobs.committedBefore(cutoff);
        List<Object[]> named = inTransaction(this::namedBlobs);
        Set<BlobKey> referenced = new HashSet<>();
        for (Object[] row : named) {
            referenced.add(new BlobKey((String) row[0], (String) row[1]));
        }
        int orphans = 0;
        for (BlobKey key : candidates) {
            // named since the listing? a record committed meanwhile: keep it
            if (!referenced.contains(key) && !isNamedNow(key) && blobs.delete(key)) {
                orphans++;
            }
        }
        int missing = 0;
        for (Object[] row : named) {
            BlobKey key = new BlobKey((String) row[0], (String) row[1]);
            if (!blobs.exists(key) && isNamedNow(key)) {
                missing++;
                if ("checkpoint".equals(row[2])) {
                    inTransaction(() -> deleteCheckpoint(key));
                    LOG.warnf("Checkpoint %s had no blob; its record is deleted", key.name());
                } else {
                    LOG.errorf(
                            "The %s %s of tenant %s has no blob: it cannot be read",
                            row[2], key.name(), key.tenantId());
                }
            }
        }
        if (orphans > 0) {
            LOG.warnf("Deleted %d blob(s) that no record named (left by a crash)", orphans);
        }
        orphansDeleted.increment(orphans);
        recordsWithoutBlob.increment(missing);
        return new Result(orphans, missing);
    }

    /** What one reconciliation found. */
    public record Result(int orphansDeleted, int recordsWithoutBlob) {}

    private <T> T inTransaction(Supplier<T> work) {
        return UnitOfWork.call(() -> QuarkusTransaction.requiringNew().call(work::get));
    }

    @SuppressWarnings("unchecked")
    private List<Object[]> namedBlobs() {
        return em.createNativeQuery(NAMED_BLOBS).getResultList();
    }

    private boolean isNamedNow(BlobKey key) {
        return inTransaction(
                () ->
                        !em.createNativeQuery(
                                        "select 1 from ("
                                                + NAMED_BLOBS
                                                + ") n(tenant_id, name, kind) where tenant_id ="
                                                + " :tenant and name = :name")
                                .setParameter("tenant", key.tenantId())
                                .setParameter("name", key.name())
                                .getResultList()
                                .isEmpty());
    }

    private int deleteCheckpoint(BlobKey key) {
        return em.createNativeQuery(
                        "delete from job_checkpoint where tenant_id = :tenant and id = :id")
                .setParameter("tenant", key.tenantId())
                .setParameter("id", key.name())
                .executeUpdate();
    }
}
