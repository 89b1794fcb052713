package dev.anneal.bench.server;

import dev.anneal.server.launch.EmbeddedInfrastructure;
import dev.anneal.server.launch.LaunchSettings;
import dev.anneal.server.launch.ServerProcess;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How fast the portal's pages render for a tenant with many files and jobs: one packaged server
 * process (the API role only, so the jobs stay queued) on an embedded PostgreSQL and Kafka broker,
 * a tenant with {@code --files} datasets and {@code --jobs} jobs, a portal session; each page is
 * fetched {@code --rounds} times after a warm-up, beside the API's JSON list of the same rows as
 * the reference. Prints a Markdown table: per page, the median and p99 time to the whole answer on
 * the loopback interface, and its size; then the load average.
 */
public final class PortalPagesBench {

    private static final String ADMIN_KEY = "sk-admin-bench-0123456789";

    private PortalPagesBench() {}

    public static void main(String[] args) throws Exception {
        int files = BenchApi.intArg(args, "--files", 1000);
        int jobs = BenchApi.intArg(args, "--jobs", 1000);
        int rounds = BenchApi.intArg(args, "--rounds", 200);
        Path dataDir = Files.createTempDirectory("anneal-portal-bench-");
        try (EmbeddedInfrastructure infrastructure =
                EmbeddedInfrastructure.start(LaunchSettings.embeddedIn(dataDir))) {
            Map<String, String> env = ServerProcess.environmentFor(infrastructure, ADMIN_KEY);
            env.put("ANNEAL_ROLES", "api");
            env.put("QUARKUS_LOG_LEVEL", "WARN");
            try (ServerProcess server = ServerProcess.start(dataDir, "512m", env)) {
                server.awaitReady(Duration.ofMinutes(2));
                String api = server.baseUri();
                String tenant =
                        BenchApi.post(api, ADMIN_KEY, "/v1/admin/tenants", "{\"name\":\"bench\"}")
                                .get("id")
                                .asText();
                send(
                        api,
                        "PATCH",
                        "/v1/admin/tenants/" + tenant,
                        "{\"quotas\":{\"active_jobs\":"
                                + (jobs + 10)
                                + ",\"files\":"
                                + (files + 10)
                                + ",\"requests_per_second\":100000}}");
                String key =
                        BenchApi.post(
                                        api,
                                        ADMIN_KEY,
                                        "/v1/admin/tenants/" + tenant + "/api_keys",
                                        "")
                                .get("key")
                                .asText();
                List<String> fileIds = new ArrayList<>();
                for (int i = 0; i < files; i++) {
                    fileIds.add(BenchApi.uploadChat(api, key, 4));
                    if ((i + 1) % 100 == 0) {
                        System.err.printf("%d/%d files uploaded%n", i + 1, files);
                    }
                }
                String firstJob = null;
                for (int i = 0; i < jobs; i++) {
                    String id =
                            BenchApi.post(
                                            api,
                                            key,
                                            "/v1/fine_tuning/jobs",
                                            "{\"model\":\"anneal-nano\",\"training_file\":\""
                                                    + fileIds.get(i % fileIds.size())
                                                    + "\"}")
                                    .get("id")
                                    .asText();
                    firstJob = firstJob == null ? id : firstJob;
                    if ((i + 1) % 100 == 0) {
                        System.err.printf("%d/%d jobs created%n", i + 1, jobs);
                    }
                }
                String cookie = signIn(api, key);
                Map<String, HttpRequest> pages = new LinkedHashMap<>();
                for (String page :
                        List.of(
                                "/datasets",
                                "/datasets?after=" + fileIds.get(files / 2),
                                "/datasets/" + fileIds.get(0),
                                "/jobs",
                                "/jobs/rows",
                                "/jobs/" + firstJob,
                                "/jobs/new",
                                "/models",
                                "/playground",
                                "/feedback")) {
                    pages.put(
                            page,
                            HttpRequest.newBuilder(URI.create(api + page))
                                    .header("Cookie", "anneal_session=" + cookie)
                                    .build());
                }
                for (String reference :
                        List.of("/v1/files?limit=25", "/v1/fine_tuning/jobs?limit=25")) {
                    pages.put(
                            reference + " (API, JSON)",
                            HttpRequest.newBuilder(URI.create(api + reference))
                                    .header("Authorization", "Bearer " + key)
                                    .build());
                }
                HttpClient http = HttpClient.newHttpClient();
                System.out.printf(
                        "%n%d files, %d jobs; %d rounds per page after %d warm-up rounds%n%n",
                        files, jobs, rounds, rounds / 4);
                System.out.println("| page | median ms | p99 ms | bytes |");
                System.out.println("| --- | --- | --- | --- |");
                for (Map.Entry<String, HttpRequest> page : pages.entrySet()) {
                    int bytes = 0;
                    for (int i = 0; i < rounds / 4; i++) {
                        fetch(http, page.getValue());
                    }
                    double[] millis = new double[rounds];
                    for (int i = 0; i < rounds; i++) {
                        long started = System.nanoTime();
                        bytes = fetch(http, page.getValue());
                        millis[i] = (System.nanoTime() - started) / 1e6;
                    }
                    Arrays.sort(millis);
                    System.out.printf(
                            Locale.ROOT,
                            "| `%s` | %.1f | %.1f | %,d |%n",
                            page.getKey(),
                            millis[rounds / 2],
                            millis[(int) Math.ceil(rounds * 0.99) - 1],
                            bytes);
                }
                System.out.printf(
                        Locale.ROOT,
                        "%nload average %.2f on %d cores%n",
                        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                        Runtime.getRuntime().availableProcessors());
            }
        } finally {
            ServerProcess.deleteTree(dataDir);
        }
    }

    /** Fetches a page; its size. */
    private static int fetch(HttpClient http, HttpRequest request) throws Exception {
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(request.uri() + " answered " + response.statusCode());
        }
        return response.body().length;
    }

    /** Signs in through the portal's form; the session cookie's value. */
    private static String signIn(String api, String key) throws Exception {
        HttpResponse<String> response =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create(api + "/sign-in"))
                                        .header("Content-Type", "application/x-www-form-urlencoded")
                                        .POST(
                                                HttpRequest.BodyPublishers.ofString(
                                                        "key="
                                                                + java.net.URLEncoder.encode(
                                                                        key,
                                                                        java.nio.charset
                                                                                .StandardCharsets
                                                                                .UTF_8)))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        return response.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith("anneal_session="))
                .map(c -> c.substring("anneal_session=".length(), c.indexOf(';')))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no session cookie"));
    }

    private static void send(String api, String method, String path, String json) throws Exception {
        BenchApi.send(
                HttpRequest.newBuilder(URI.create(api + path))
                        .header("Authorization", "Bearer " + ADMIN_KEY)
                        .header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(json))
                        .build());
    }
}
