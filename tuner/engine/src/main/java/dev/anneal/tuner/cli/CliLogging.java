package dev.anneal.tuner.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Keeps standard output for the command's result: everything else a library might log or print goes
 * to standard error.
 *
 * <p>The CLI runs on the class path of the server's Quarkus build, where SLF4J (DJL's logging API)
 * is bound to the JBoss LogManager, itself a {@code java.util.logging} manager whose Quarkus
 * configuration queues records until a Quarkus application starts, which never happens here. So
 * {@link #install()} selects that manager before anything logs, replaces the root handlers by one
 * writing one line per record to standard error, and points {@code System.out} at standard error
 * too. Where the JBoss SLF4J binding is present without its log manager (the server's {@code
 * lib/main} folder alone), SLF4J is told to drop records instead of complaining about the missing
 * class.
 *
 * <p>The level is {@code WARNING} unless the {@value #LEVEL_PROPERTY} system property says
 * otherwise (for example {@code -Danneal.log.level=FINE} through {@code ANNEAL_JAVA_OPTS}).
 */
final class CliLogging {

    /** The system property choosing the log level. */
    static final String LEVEL_PROPERTY = "anneal.log.level";

    private static final String JUL_MANAGER = "java.util.logging.manager";
    private static final String JBOSS_LOG_MANAGER = "org.jboss.logmanager.LogManager";
    private static final String SLF4J_PROVIDER = "slf4j.provider";

    /**
     * DJL probes for CUDA even with the CPU build of libtorch, and warns on every probe when a CUDA
     * runtime is installed without a usable driver: noise for a CPU command. Held here because
     * {@code java.util.logging} keeps loggers, and so their levels, only weakly; not created in a
     * field initialiser, which would start {@code java.util.logging} before its manager is chosen.
     */
    private static Logger cudaProbe;

    private CliLogging() {}

    /**
     * Routes logging and stray prints to standard error. Call first thing in {@code main}, before
     * any class that logs is loaded.
     *
     * @return a UTF-8 stream on the process's standard output, for the command's result only
     */
    static PrintStream install() {
        if (System.getProperty(JUL_MANAGER) == null && present(JBOSS_LOG_MANAGER)) {
            System.setProperty(JUL_MANAGER, JBOSS_LOG_MANAGER);
        }
        if (System.getProperty(SLF4J_PROVIDER) == null
                && present("org.slf4j.impl.JBossSlf4jServiceProvider")
                && !present(JBOSS_LOG_MANAGER)) {
            System.setProperty(SLF4J_PROVIDER, "org.slf4j.helpers.NOP_SLF4JServiceProvider");
            System.setProperty("slf4j.internal.verbosity", "ERROR");
        }
        PrintStream stdout =
                new PrintStream(
                        new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err);

        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        Handler handler = new ConsoleHandler(); // writes to System.err
        handler.setFormatter(new OneLineFormatter());
        handler.setLevel(Level.ALL);
        root.addHandler(handler);
        root.setLevel(level());
        cudaProbe = Logger.getLogger("ai.djl.util.cuda.CudaUtils");
        cudaProbe.setLevel(Level.SEVERE);
        return stdout;
    }

    private static Level level() {
        String name = System.getProperty(LEVEL_PROPERTY, "WARNING");
        try {
            return Level.parse(name.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Level.WARNING;
        }
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, CliLogging.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** {@code anneal: LEVEL logger: message}, then the stack trace if any. */
    private static final class OneLineFormatter extends Formatter {
        @Override
        public String format(LogRecord record) {
            StringBuilder line =
                    new StringBuilder("anneal: ")
                            .append(record.getLevel().getName())
                            .append(' ')
                            .append(record.getLoggerName())
                            .append(": ")
                            .append(formatMessage(record))
                            .append(System.lineSeparator());
            if (record.getThrown() != null) {
                StringWriter trace = new StringWriter();
                record.getThrown().printStackTrace(new PrintWriter(trace));
                line.append(trace);
            }
            return line.toString();
        }
    }
}
