package dev.anneal.server.standalone;

import java.nio.file.Path;

/**
 * A JVM that starts PostgreSQL on a data directory and port (its arguments), writes a row and waits
 * to be killed, for the crash test of {@link EmbeddedPostgresServerTest}.
 */
final class PostgresOwnerProcess {

    static final String READY = "READY";

    private PostgresOwnerProcess() {}

    public static void main(String[] args) throws Exception {
        EmbeddedPostgresServer server =
                EmbeddedPostgresServer.start(Path.of(args[0]), Integer.parseInt(args[1]));
        EmbeddedPostgresServerTest.execute(
                server, "CREATE TABLE job (id INT PRIMARY KEY, name TEXT)");
        EmbeddedPostgresServerTest.execute(
                server, "INSERT INTO job VALUES (7, 'written-before-kill')");
        System.out.println(READY);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
