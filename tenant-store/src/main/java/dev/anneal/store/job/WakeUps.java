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
 * Wakes threads waiting for work the moment the transaction that made it commits: one connection of
 * its own LISTENs on a channel that a trigger notifies, and every notification wakes every waiting
 * thread. Two channels:
 *
 * <ul>
 *   <li>{@link #JOB_QUEUED}: a job was queued or handed back (migration V16); idle tuner slots wait
 *       on it;
 *   <li>{@link #JOB_EVENT_ADDED}: job events were added (migration V18); the job-event relay waits
 *       on it instead of polling the table.
 * </ul>
 *
 * <p>Waiters still poll at their own interval, so a lost connection (it is opened again, after a
 * pause) or a missed notification delays work, never loses it. A waiter calls {@link #awaitAfter}
 * with the generation it read ({@link #generation}) before it last looked for work, so a
 * notification that arrives between its look and its wait is not missed.
 */
public final class WakeUps implements AutoCloseable {

    /** A job was queued or handed back to the queue. */
    public static final String JOB_QUEUED = "anneal_job_queued";

    /** Job events were added (to relay to Kafka). */
    public static final String JOB_EVENT_ADDED = "anneal_job_event_added";

    private static final Logger LOG = Logger.getLogger(WakeUps.class);
    private static final int LISTEN_WAIT_MS = 1_000;
    private static final long RECONNECT_PAUSE_MS = 5_000;

    private final String url;
    private final String channel;
    private final Properties credentials;
    private final Thread listener;
    private final Object signal = new Object();
    private long generation;
    private volatile boolean closed;
    private volatile Connection connection;

    private WakeUps(String url, String user, String password, String channel) {
        this.url = url;
        this.channel = channel;
        this.credentials = new Properties();
        credentials.setProperty("user", user);
        credentials.setProperty("password", password);
        credentials.setProperty("ApplicationName", "anneal-wake-ups");
        this.listener = new Thread(this::listen, "anneal-wake-ups-" + channel);
        listener.setDaemon(true);
    }

    /** Starts listening on {@code channel} of the database at {@code url} as {@code user}. */
    public static WakeUps start(String url, String user, String password, String channel) {
        WakeUps wakeUps = new WakeUps(url, user, password, channel);
        wakeUps.listener.start();
        return wakeUps;
    }

    /** The count of wake-ups so far; read it before looking for work. */
    public long generation() {
        synchronized (signal) {
            return generation;
        }
    }

    /**
     * Waits until a notification comes after {@code seen} was read, or {@code atMost} passed.
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

    /** Wakes every waiting thread. */
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
                statement.execute("LISTEN " + channel);
                // what was notified while nobody listened
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
                        "Not listening on %s (%s); waiters poll until it is back, trying again in"
                                + " %d s",
                        channel, e.getMessage(), RECONNECT_PAUSE_MS / 1000);
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

    /** Stops listening and wakes every waiting thread. */
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
