package dev.anneal.store.job;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Tells idle workers that a job was queued, the moment its transaction commits: one connection of
 * its own LISTENs on the channel the queue's trigger notifies ({@code anneal_job_queued}, see
 * migration V16) and wakes every waiting slot. Slots still poll at their own interval, so a lost
 * connection (it is opened again, after a pause) or a missed notification delays a job, never loses
 * it.
 *
 * <p>A waiting slot calls {@link #awaitAfter} with the generation it read ({@link #generation})
 * before it last looked at the queue, so a notification that arrives between its look and its wait
 * is not missed.
 */
public final class JobQueueWakeUps implements AutoCloseable {

    static final String CHANNEL = "anneal_job_queued";

    private static final Logger LOG = Logger.getLogger(JobQueueWakeUps.class);
    private static final int LISTEN_WAIT_MS = 1_000;
    private static final long RECONNECT_PAUSE_MS = 5_000;

    private final String url;
    private final Properties credentials;
    private final Thread listener;
    private final Object signal = new Object();
    private long generation;
    private volatile boolean closed;
    private volatile Connection connection;

    private JobQueueWakeUps(String url, String user, String password) {
        this.url = url;
        this.credentials = new Properties();
        credentials.setProperty("user", user);
        credentials.setProperty("password", password);
        credentials.setProperty("ApplicationName", "anneal-job-wake-ups");
        this.listener = new Thread(this::listen, "anneal-job-wake-ups");
        listener.setDaemon(true);
    }

    /** Starts listening on the database at {@code url} as {@code user}. */
    public static JobQueueWakeUps start(String url, String user, String password) {
        JobQueueWakeUps wakeUps = new JobQueueWakeUps(url, user, password);
        wakeUps.listener.start();
        return wakeUps;
    }

    /** The count of wake-ups so far; read it before looking at the queue. */
    public long generation() {
        synchronized (signal) {
            return generation;
        }
    }

    /**
     * Waits until a job is queued after {@code seen} was read, or {@code atMost} passed.
     *
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public void awaitAfter(long seen, Duration atMost) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        synchronized (signal) {
            while (generation == seen && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                signal.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /** Wakes every waiting slot. */
    public void wakeAll() {
        synchronized (signal) {
            generation++;
            signal.notifyAll();
        }
    }

    private void listen() {
        while (!closed) {
            try (Connection c = DriverManager.getConnection(url, credentials);
                    Statement statement = c.createStatement()) {
                connection = c;
                statement.execute("LISTEN " + CHANNEL);
                // what was queued while nobody listened
                wakeAll();
                PGConnection notifications = c.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] received = notifications.getNotifications(LISTEN_WAIT_MS);
                    if (received != null && received.length > 0) {
                        wakeAll();
                    }
                }
            } catch (SQLException e) {
                if (closed) {
                    return;
                }
                LOG.warnf(
                        "Not listening for queued jobs (%s); idle workers poll until it is back,"
                                + " trying again in %d s",
                        e.getMessage(), RECONNECT_PAUSE_MS / 1000);
                pause();
            } finally {
                connection = null;
            }
        }
    }

    private void pause() {
        try {
            Thread.sleep(RECONNECT_PAUSE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    /** Stops listening and wakes every waiting slot. */
    @Override
    public void close() {
        closed = true;
        wakeAll();
        listener.interrupt();
        Connection open = connection;
        if (open != null) {
            try {
                open.close();
            } catch (SQLException e) {
                LOG.debugf(e, "Closing the wake-up connection");
            }
        }
    }
}
