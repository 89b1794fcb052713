package dev.anneal.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.api.audit.Audited;
import dev.anneal.api.auth.AuthenticationFilter;
import dev.anneal.portal.signin.SignInPage;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Walks every route of the API and the portal (each resource method of each {@code @Path} class)
 * and requires it to declare who may call it: the filter refuses a route that declares nothing, so
 * an undeclared route would be unusable, and a route is never open by accident.
 */
class AccessDeclarationsTest {

    /** A resource method: its verb and path, and the access it declares (null: none). */
    private record Route(
            String verb, String path, Method method, AuthenticationFilter.Access access) {

        @Override
        public String toString() {
            return verb + " " + path;
        }
    }

    @Test
    void shouldDeclareAccessOnEveryRoute() throws Exception {
        List<Route> routes = routes();
        assertThat(routes).hasSizeGreaterThan(30);
        assertThat(routes.stream().filter(r -> r.access() == null).map(Route::toString))
                .as("routes that declare no access")
                .isEmpty();
    }

    /**
     * Only signing in and out take no credential: they check what they are given themselves (a key,
     * a session's token, the single-sign-on provider's token).
     */
    @Test
    void shouldOpenOnlySigningInToEveryone() throws Exception {
        assertThat(routes().stream().filter(r -> r.access().open()).map(Route::toString))
                .containsExactlyInAnyOrder(
                        "GET /",
                        "GET /sign-in",
                        "POST /sign-in",
                        "POST /sign-out",
                        "GET /sign-in/sso");
    }

    /**
     * Every route that changes something, every administrator route and every download of content
     * goes into the audit log. Not audited: submitting feedback (a stream of judgements, counted by
     * its quota) and completions (inference changes nothing).
     */
    @Test
    void shouldAuditEveryChangeEveryAdministratorActionAndEveryDownload() throws Exception {
        List<String> exempt =
                List.of("POST /v1/feedback", "POST /v1/chat/completions", "POST /v1/completions");
        assertThat(
                        routes().stream()
                                .filter(
                                        r ->
                                                !r.verb().equals("GET")
                                                        || r.access().admin()
                                                        || r.path().endsWith("/content"))
                                .filter(r -> r.method().getAnnotation(Audited.class) == null)
                                .map(Route::toString)
                                .filter(route -> !exempt.contains(route)))
                .as("routes that should be audited")
                .isEmpty();
    }

    private static List<Route> routes() throws IOException, URISyntaxException {
        List<Route> routes = new ArrayList<>();
        for (Class<?> resource : resourceClasses()) {
            for (Method method : resource.getDeclaredMethods()) {
                String verb = httpMethod(method);
                if (verb == null) {
                    continue;
                }
                AuthenticationFilter.Access access =
                        AuthenticationFilter.Access.of(method.getAnnotations());
                routes.add(
                        new Route(
                                verb,
                                join(resource.getAnnotation(Path.class).value(), path(method)),
                                method,
                                access != null
                                        ? access
                                        : AuthenticationFilter.Access.of(
                                                resource.getAnnotations())));
            }
        }
        return routes;
    }

    private static String join(String base, String path) {
        if (path.isEmpty()) {
            return base;
        }
        return base.endsWith("/") || path.startsWith("/") ? base + path : base + "/" + path;
    }

    private static String httpMethod(Method method) {
        for (Annotation annotation : method.getAnnotations()) {
            HttpMethod verb = annotation.annotationType().getAnnotation(HttpMethod.class);
            if (verb != null) {
                return verb.value();
            }
        }
        return null;
    }

    private static String path(Method method) {
        Path path = method.getAnnotation(Path.class);
        return path == null ? "" : path.value();
    }

    /** The classes carrying {@code @Path} of the API's and the portal's modules. */
    private static List<Class<?>> resourceClasses() throws IOException, URISyntaxException {
        List<Class<?>> resources = new ArrayList<>();
        for (Class<?> module : List.of(AuthenticationFilter.class, SignInPage.class)) {
            resources.addAll(
                    resourceClasses(
                            Paths.get(
                                    module.getProtectionDomain()
                                            .getCodeSource()
                                            .getLocation()
                                            .toURI())));
        }
        return resources;
    }

    /** A folder of classes, or a jar of them. */
    private static List<Class<?>> resourceClasses(java.nio.file.Path location) throws IOException {
        if (Files.isRegularFile(location)) {
            try (java.nio.file.FileSystem jar = java.nio.file.FileSystems.newFileSystem(location)) {
                return classesUnder(jar.getPath("/"));
            }
        }
        return classesUnder(location);
    }

    private static List<Class<?>> classesUnder(java.nio.file.Path root) throws IOException {
        List<Class<?>> resources = new ArrayList<>();
        try (Stream<java.nio.file.Path> files = Files.walk(root)) {
            for (java.nio.file.Path file :
                    files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name =
                        root.relativize(file)
                                .toString()
                                .replace('/', '.')
                                .replaceFirst("\\.class$", "");
                try {
                    Class<?> type =
                            Class.forName(
                                    name, false, AccessDeclarationsTest.class.getClassLoader());
                    if (type.isAnnotationPresent(Path.class)) {
                        resources.add(type);
                    }
                } catch (ClassNotFoundException | LinkageError e) {
                    // not loadable alone (a generated class): not a resource
                }
            }
        }
        return resources;
    }
}
