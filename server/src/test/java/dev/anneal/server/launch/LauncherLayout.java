package dev.anneal.server.launch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The launcher and the build as the container image lays them out, under a test's folder: the
 * launcher in {@code opt/anneal} beside the build (a link to this module's), and {@code
 * usr/local/bin/anneal} a link to it. Run from there the launcher finds no sources, so it never
 * builds.
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
        Files.createDirectories(opt.resolve("server/target"));
        Files.createSymbolicLink(
                opt.resolve("server/target/quarkus-app"),
                ServerProcess.JAR.getParent().toAbsolutePath().normalize());
        Path bin = Files.createDirectories(root.resolve("usr/local/bin"));
        return Files.createSymbolicLink(bin.resolve("anneal"), opt.resolve("anneal"));
    }

    /** This test's JDK first on the {@code PATH}, the JDK the launcher then runs. */
    static String javaFirstOnPath() {
        return Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH");
    }
}
