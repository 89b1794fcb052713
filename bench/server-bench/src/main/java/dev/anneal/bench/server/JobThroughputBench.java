package dev.anneal.bench.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anneal.server.launch.EmbeddedInfrastructure;
import dev.anneal.server.launch.LaunchSettings;
import dev.anneal.server.launch.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The job machinery's own throughput and how it scales with tuner processes (not a test; {@code
 * bench/jobs-bench.sh} runs it). One {@code api} process and, in turn, 1, 2 and 4 {@code tuner}
 * processes (as the Helm chart deploys them), all on one database and broker: for each count, many
 * tiny jobs (a few steps each on {@code anneal-nano}) are submitted through the API and awaited,
 * and a row of a Markdown table is printed: jobs per minute, and per job the worker time spent in
 * training steps beside everything else (claim, data and model loading, checkpoints, archives,
 * events, polling).
 *
 * <pre>
 * java ... JobThroughputBench [--jobs 300] [--workers 1,2,4] [--steps 4]
 * </pre>
 */
public final class JobThroughputBench {

    private static final String ADMIN_KEY = "sk-admin-bench-0123456789";

    private JobThroughputBench() {}

    public static void main(String[] args) throws Exception {
        int jobs = BenchApi.intArg(args, "--jobs", 300);
        List<Integer> workerCounts = BenchApi.intsArg(args, "--workers", List.of(1, 2, 4));
        int steps = BenchApi.intArg(args, "--steps", 4);
        Path dataDir = Files.createTempDirectory("anneal-jobs-bench-");
        List<String> rows = new ArrayList<>();
        try (EmbeddedInfrastructure infrastructure =
                        EmbeddedInfrastructure.start(LaunchSettings.embeddedIn(dataDir));
                ServerProcess api =
                        ServerProcess.start(
                                dataDir,
                                "768m",
                                withRoles(environment(infrastructure, workerCounts), "api"))) {
            api.awaitReady(Duration.ofMinutes(2));
            for (int workers : workerCounts) {
                rows.add(measure(infrastructure, api, dataDir, workers, jobs, steps));
            }
        } finally {
            ServerProcess.deleteTree(dataDir);
        }
        System.out.printf(
                "| jobs | steps/job | tuner processes | wall (s) | jobs/min | worker time per job"
                        + " (s) | of which training steps (s) | overhead per job (s) | failed |"
                        + " peak RSS per tuner (MiB) |%n");
        System.out.printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |%n");
        rows.forEach(System.out::println);
        System.out.printf(
                "%d cores; load average %s%n",
                Runtime.getRuntime().availableProcessors(),
                Files.readString(Path.of("/proc/loadavg")).strip());
    }

    private static Map<String, String> environment(
            EmbeddedInfrastructure infrastructure, List<Integer> workerCounts) {
        Map<String, String> env = ServerProcess.environmentFor(infrastructure, ADMIN_KEY);
        env.put("ANNEAL_TUNER_POLL_INTERVAL", "100ms");
        env.put(
                "ANNEAL_TUNER_MAX_RUNNING_PER_TENANT",
                String.valueOf(Collections.max(workerCounts)));
        env.put("QUARKUS_LOG_LEVEL", "WARN");
        return env;
    }

    private static Map<String, String> withRoles(Map<String, String> env, String roles) {
        Map<String, String> withRoles = new HashMap<>(env);
        withRoles.put("ANNEAL_ROLES", roles);
        return withRoles;
    }

    /** Runs {@code jobs} jobs on {@code workers} fresh tuner processes; one row of the table. */
    private static String measure(
            EmbeddedInfrastructure infrastructure,
            ServerProcess apiProcess,
            Path dataDir,
            int workers,
            int jobs,
            int steps)
            throws Exception {
        String api = apiProcess.baseUri();
        String tenant =
                BenchApi.post(
                                api,
                                ADMIN_KEY,
                                "/v1/admin/tenants",
                                "{\"name\":\"bench-" + workers + "\"}")
                        .get("id")
                        .asText();
        // room for every job at once, beyond the default active_jobs quota
        BenchApi.patch(
                api,
                ADMIN_KEY,
                "/v1/admin/tenants/" + tenant,
                "{\"quotas\":{\"active_jobs\":" + jobs + "}}");
        String key =
                BenchApi.post(api, ADMIN_KEY, "/v1/admin/tenants/" + tenant + "/api_keys", "")
                        .get("key")
                        .asText();
        String file = BenchApi.uploadChat(api, key, 2 * steps);
        String body =
                "{\"model\":\"anneal-nano\",\"training_file\":\""
                        + file
                        + "\",\"max_seq_length\":64,\"checkpoint_interval\":1000,"
                        + "\"hyperparameters\":{\"n_epochs\":1,\"batch_size\":2}}";
        List<ServerProcess> tuners = new ArrayList<>();
        try {
            Map<String, String> env =
                    withRoles(environment(infrastructure, List.of(workers)), "tuner");
            for (int i = 0; i < workers; i++) {
                tuners.add(ServerProcess.start(dataDir, "768m", env));
            }
            for (ServerProcess tuner : tuners) {
                tuner.awaitReady(Duration.ofMinutes(2));
            }
            long started = System.nanoTime();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < jobs; i++) {
                ids.add(BenchApi.post(api, key, "/v1/fine_tuning/jobs", body).get("id").asText());
            }
            int done = 0;
            while (done < jobs) {
                Thread.sleep(1000);
                done = countFinished(api, key);
                System.err.printf("%d tuner(s): %d/%d jobs finished%n", workers, done, jobs);
            }
            double wallSeconds = (System.nanoTime() - started) / 1e9;

            double stepSeconds = 0;
            int failed = 0;
            for (String id : ids) {
                JsonNode job = BenchApi.get(api, key, "/v1/fine_tuning/jobs/" + id);
                if (!job.get("status").asText().equals("succeeded")) {
                    failed++;
                }
                for (JsonNode event :
                        BenchApi.get(api, key, "/v1/fine_tuning/jobs/" + id + "/events?limit=100")
                                .get("data")) {
                    JsonNode data = event.get("data");
                    if (data != null && data.has("tokens_per_second") && data.has("tokens")) {
                        stepSeconds +=
                                data.get("tokens").asDouble()
                                        / data.get("tokens_per_second").asDouble();
                    }
                }
            }
            long peakRss = 0;
            for (ServerProcess tuner : tuners) {
                peakRss = Math.max(peakRss, tuner.peakRssBytes());
            }
            double perJob = wallSeconds * workers / jobs;
            double stepsPerJob = stepSeconds / jobs;
            return String.format(
                    Locale.ROOT,
                    "| %d | %d | %d | %.1f | %.1f | %.3f | %.3f | %.3f | %d | %d |",
                    jobs,
                    steps,
                    workers,
                    wallSeconds,
                    jobs / wallSeconds * 60,
                    perJob,
                    stepsPerJob,
                    perJob - stepsPerJob,
                    failed,
                    peakRss >> 20);
        } finally {
            for (ServerProcess tuner : tuners) {
                tuner.close();
            }
        }
    }

    private static int countFinished(String api, String key) throws Exception {
        int finished = 0;
        String after = null;
        while (true) {
            JsonNode page =
                    BenchApi.get(
                            api,
                            key,
                            "/v1/fine_tuning/jobs?limit=100"
                                    + (after == null ? "" : "&after=" + after));
            for (JsonNode job : page.get("data")) {
                String status = job.get("status").asText();
                if (status.equals("succeeded")
                        || status.equals("failed")
                        || status.equals("cancelled")) {
                    finished++;
                }
            }
            if (!page.get("has_more").asBoolean()) {
                return finished;
            }
            after = page.get("last_id").asText();
        }
    }
}
