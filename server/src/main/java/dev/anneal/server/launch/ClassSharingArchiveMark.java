package dev.anneal.server.launch;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/**
 * Marks the class data sharing archive that {@code ./anneal} is recording as worth keeping, once
 * every start-up step has run. The JVM writes the archive at any exit, also after a start that
 * failed early (a port in use) with only part of a start's classes loaded; the launcher records the
 * archive again where this mark is missing, instead of every later start using such an archive.
 */
@ApplicationScoped
class ClassSharingArchiveMark {

    /** The file to create, set by the launcher on the start that records the archive. */
    static final String PROPERTY = "anneal.class-sharing.started-mark";

    private static final Logger LOG = Logger.getLogger(ClassSharingArchiveMark.class);

    void mark(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER + 1000) StartupEvent started) {
        String mark = System.getProperty(PROPERTY);
        if (mark == null) {
            return;
        }
        try {
            Files.write(Path.of(mark), new byte[0]);
        } catch (IOException e) {
            LOG.warnf(
                    "Could not mark the class data sharing archive as complete (%s); the next start"
                            + " records it again",
                    e.toString());
        }
    }
}
