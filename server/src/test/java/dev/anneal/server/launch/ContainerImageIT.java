package dev.anneal.server.launch;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the container image relies on, without a container engine: the native libraries unpacked
 * once by {@code NativeLibraries} (the image's build step) are all a process needs, so a platform
 * started on a read-only copy of them, with a read-only home, through the image's entry point (a
 * link to the launcher), extracts nothing and still runs the engine; and the Dockerfile does as its
 * comments say (non-root user, the build step, the entry point, the writable folders).
 */
class ContainerImageIT {

    private static final Path DOCKERFILE = Path.of("src", "main", "docker", "Dockerfile");
    private static final Path APP = Path.of("target", "quarkus-app");

    @TempDir Path temp;

    @Test
    void shouldRunTheEngineFromNativeLibrariesUnpackedAtBuildTime() throws Exception {
        Path cache = temp.resolve("djl");
        ProcessBuilder unpacking =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-cp",
                                APP.resolve("lib/main").toAbsolutePath()
                                        + "/*:"
                                        + APP.resolve("lib/boot").toAbsolutePath()
                                        + "/*",
                                "dev.anneal.tuner.model.NativeLibraries")
                        .redirectErrorStream(true)
                        .redirectOutput(temp.resolve("unpack.log").toFile());
        unpacking.environment().put("DJL_CACHE_DIR", cache.toString());
        Process unpack = unpacking.start();
        assertThat(unpack.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String unpacked = Files.readString(temp.resolve("unpack.log"));
        assertThat(unpack.exitValue()).as(unpacked).isZero();
        assertThat(unpacked).contains("Loaded PyTorch 2.7.1");

        // now nothing may be written where the libraries are, nor in the home folder
        Path home = Files.createDirectories(temp.resolve("home"));
        readOnly(cache);
        readOnly(home);
        // started as the image starts it: the entry point is a link on the PATH to the launcher
        Path entryPoint = LauncherLayout.under(temp);
        try (ServerProcess server =
                ServerProcess.start(
                        List.of(entryPoint.toString(), "start"),
                        temp.resolve("data"),
                        Map.of(
                                "DJL_CACHE_DIR", cache.toString(),
                                "HOME", home.toString(),
                                "ANNEAL_JAVA_OPTS", "-Xmx512m",
                                // the build is the test's own: no class-sharing archive beside it
                                "ANNEAL_CDS_ARCHIVE", "",
                                "PATH", LauncherLayout.javaFirstOnPath()))) {
            server.awaitReady(Duration.ofMinutes(2));
            given().baseUri(server.baseUri())
                    .header("Authorization", "Bearer " + server.newTenantKey("image"))
                    .contentType("application/json")
                    .body(Map.of("model", "anneal-nano", "prompt", "Once", "max_tokens", 4))
                    .post("/v1/completions")
                    .then()
                    .statusCode(200);
        }
    }

    /** The cache as the build step leaves it; the test's own run writes it first. */
    private void readOnly(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.toList()) {
                Files.setPosixFilePermissions(
                        path,
                        PosixFilePermissions.fromString(
                                Files.isDirectory(path) ? "r-xr-xr-x" : "r--r--r--"));
            }
        }
    }

    @Test
    void shouldBuildANonRootImageThatStartsThePlatform() throws IOException {
        String dockerfile = Files.readString(DOCKERFILE);
        List<String> lines = dockerfile.lines().map(String::strip).toList();

        assertThat(lines).contains("USER 10001:10001");
        assertThat(lines)
                .contains(
                        "RUN ln -s /opt/anneal/anneal /usr/local/bin/anneal",
                        "ENTRYPOINT [\"anneal\"]",
                        "CMD [\"start\"]");
        assertThat(dockerfile)
                .contains("dev.anneal.tuner.model.NativeLibraries")
                .contains("DJL_CACHE_DIR=/opt/anneal/djl")
                .contains("ANNEAL_DATA_DIR=/var/lib/anneal")
                // a pod mostly starts on a fresh volume: recording an archive would slow that start
                .contains("ANNEAL_CDS_ARCHIVE=\"\"")
                .contains("COPY server/target/quarkus-app/ /opt/anneal/server/target/quarkus-app/");
        // the launcher the image runs is the repository's, at the place it expects the build
        assertThat(Files.readString(Path.of("..", "anneal")))
                .contains("jar=server/target/quarkus-app/quarkus-run.jar");
        assertThat(Files.readAllLines(Path.of("..", ".dockerignore")))
                .contains("!anneal", "!server/target/quarkus-app");
    }
}
