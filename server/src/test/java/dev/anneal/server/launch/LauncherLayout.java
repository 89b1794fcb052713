package dev.anneal.server.launch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

/**
 * The launcher and the build as the container image lays them out, under a test's folder: the
 * launcher in {@code opt/anneal} beside the build, and {@code usr/local/bin/anneal} a link to it.
 * The build's folder is the test's own, with a link to each of this module's build entries, so that
 * what the launcher writes beside the build stays in the test. Run from there the launcher finds no
 * sources, so it never builds.
 */
final class LauncherLayout {

    private LauncherLayout() {}

    /**
     * Lays the files out under {@code root}.
     *
     * @return the link on the {@code PATH}, the image's entry point
     */
    static Path under(Path root) throws IOException {
        Path opt = Files.createDirectories(root.resolve("opt/anneal"));
        Files.copy(Path.of("..", "anneal"), opt.resolve("anneal"));
        Files.setPosixFilePermissions(
                opt.resolve("anneal"), PosixFilePermissions.fromString("r-xr-xr-x"));
        Path app = Files.createDirectories(opt.resolve("server/target/quarkus-app"));
        Path build = ServerProcess.JAR.getParent().toAbsolutePath().normalize();
        try (Stream<Path> entries = Files.list(build)) {
            for (Path entry : entries.toList()) {
                String name = entry.getFileName().toString();
                // not the class-sharing archives ./anneal start keeps beside the build
                if (!name.startsWith("anneal-")) {
                    Files.createSymbolicLink(app.resolve(name), entry);
                }
            }
        }
        Path bin = Files.createDirectories(root.resolve("usr/local/bin"));
        return Files.createSymbolicLink(bin.resolve("anneal"), opt.resolve("anneal"));
    }

    /** The build's folder in a layout made by {@link #under}. */
    static Path app(Path root) {
        return root.resolve("opt/anneal/server/target/quarkus-app");
    }

    /** This test's JDK first on the {@code PATH}, the JDK the launcher then runs. */
    static String javaFirstOnPath() {
        return Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH");
    }
}
