package dev.anneal.tuner.worker;

import dev.anneal.store.job.JobLease;
import dev.anneal.store.job.LeaseRenewals;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Renews a job's lease while it trains and says when training must stop: the tenant cancelled the
 * job, the lease was lost, or the process shuts down.
 *
 * <p>Renewals use connections of their own ({@link LeaseRenewals}), so a busy API cannot starve
 * them. A worker that cannot renew (database unreachable) fences itself: once three quarters of the
 * lease have passed since the last renewal it stops, before any other worker may take the job over.
 * A job past its deadline ({@code anneal.tuner.max-job-duration}) stops too, and one whose tenant
 * was suspended stops after its next checkpoint.
 */
final class Heartbeat implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Heartbeat.class);

    /** Why training stops. */
    enum Stop {
        NONE,
        CANCELLED,
        LEASE_LOST,
        SHUTDOWN,
        TIMED_OUT,
        SUSPENDED
    }

    private final LeaseRenewals renewals;
    private final JobLease lease;
    private final Duration leaseTime;
    private final ScheduledFuture<?> task;
    private volatile long lastRenewed = System.nanoTime();
    private volatile Stop stop = Stop.NONE;
    private volatile Instant deadline = Instant.MAX;
    private volatile boolean suspended;

    Heartbeat(
            LeaseRenewals renewals,
            JobLease lease,
            Duration leaseTime,
            Duration every,
            ScheduledExecutorService scheduler) {
        this.renewals = renewals;
        this.lease = lease;
        this.leaseTime = leaseTime;
        this.task =
                scheduler.scheduleWithFixedDelay(
                        this::beat, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void beat() {
        // the lease thread renews every running job's lease: name this one on its log lines
        try (JobLogContext logContext = JobLogContext.of(lease)) {
            LeaseRenewals.Renewal renewal = renewals.renew(lease, leaseTime);
            switch (renewal) {
                case LOST -> stopFor(Stop.LEASE_LOST);
                case CANCEL_REQUESTED -> {
                    lastRenewed = System.nanoTime();
                    stopFor(Stop.CANCELLED);
                }
                case RENEWED -> {
                    lastRenewed = System.nanoTime();
                    suspended = false;
                }
                case SUSPENDED -> {
                    lastRenewed = System.nanoTime();
                    suspended = true;
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("Could not renew the lease of job %s: %s", lease.jobId(), e.getMessage());
        }
    }

    /** Asks training to stop for {@code reason}; the first reason wins. */
    synchronized void stopFor(Stop reason) {
        if (stop == Stop.NONE) {
            stop = reason;
        }
    }

    /**
     * Called once a checkpoint is stored: a job whose tenant was suspended stops here, losing no
     * step, and goes back to the queue.
     */
    void checkpointStored() {
        if (suspended) {
            stopFor(Stop.SUSPENDED);
        }
    }

    /** Training must stop once {@code deadline} has passed. */
    void stopAt(Instant deadline) {
        this.deadline = deadline;
    }

    /** Whether training must stop now; checked between steps. */
    boolean shouldStop() {
        if (stop == Stop.NONE && Instant.now().isAfter(deadline)) {
            stopFor(Stop.TIMED_OUT);
        }
        if (stop == Stop.NONE && System.nanoTime() - lastRenewed > leaseTime.toNanos() * 3 / 4) {
            LOG.warnf("Lease of job %s not renewed in time: stopping", lease.jobId());
            stopFor(Stop.LEASE_LOST);
        }
        return stop != Stop.NONE;
    }

    Stop reason() {
        return stop;
    }

    @Override
    public void close() {
        task.cancel(false);
    }
}
