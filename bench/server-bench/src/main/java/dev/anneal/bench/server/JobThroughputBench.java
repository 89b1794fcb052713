package dev.anneal.bench.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anneal.server.launch.EmbeddedInfrastructure;
import dev.anneal.server.launch.LaunchSettings;
import dev.anneal.server.launch.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The job machinery's own throughput (not a test; {@code bench/jobs-bench.sh} runs it): submits
 * many tiny jobs (a few steps each on {@code anneal-nano}) to two worker processes sharing one
 * database and broker, waits for all of them, and prints a Markdown table: jobs per minute, and per
 * job the time spent in training steps beside everything else (claim, data and model loading,
 * checkpoints, archives, events, polling).
 *
 * <pre>
 * java ... JobThroughputBench [--jobs 1000] [--workers 2] [--steps 4]
 * </pre>
 */
public final class JobThroughputBench {

    private static final String ADMIN_KEY = "sk-admin-bench-0123456789";

    private JobThroughputBench() {}

    public static void main(String[] args) throws Exception {
        int jobs = BenchApi.intArg(args, "--jobs", 1000);
        int workerCount = BenchApi.intArg(args, "--workers", 2);
        int steps = BenchApi.intArg(args, "--steps", 4);
        Path dataDir = Files.createTempDirectory("anneal-jobs-bench-");
        List<ServerProcess> workers = new ArrayList<>();
        try (EmbeddedInfrastructure infrastructure =
                EmbeddedInfrastructure.start(LaunchSettings.embeddedIn(dataDir))) {
            Map<String, String> env = ServerProcess.environmentFor(infrastructure, ADMIN_KEY);
            env.put("ANNEAL_TUNER_POLL_INTERVAL", "100ms");
            env.put("ANNEAL_TUNER_MAX_RUNNING_PER_TENANT", String.valueOf(workerCount));
            env.put("QUARKUS_LOG_LEVEL", "WARN");
            for (int i = 0; i < workerCount; i++) {
                workers.add(ServerProcess.start(dataDir, "768m", env));
            }
            for (ServerProcess worker : workers) {
                worker.awaitReady(Duration.ofMinutes(2));
            }
            String api = workers.get(0).baseUri();
            String tenant =
                    BenchApi.post(api, ADMIN_KEY, "/v1/admin/tenants", "{\"name\":\"bench\"}")
                            .get("id")
                            .asText();
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

            long started = System.nanoTime();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < jobs; i++) {
                ids.add(BenchApi.post(api, key, "/v1/fine_tuning/jobs", body).get("id").asText());
            }
            double submitSeconds = (System.nanoTime() - started) / 1e9;
            int done = 0;
            while (done < jobs) {
                Thread.sleep(1000);
                done = countFinished(api, key);
                System.err.printf("%d/%d jobs finished%n", done, jobs);
            }
            double wallSeconds = (System.nanoTime() - started) / 1e9;

            double stepSeconds = 0;
            double latency = 0;
            int failed = 0;
            for (String id : ids) {
                JsonNode job = BenchApi.get(api, key, "/v1/fine_tuning/jobs/" + id);
                if (!job.get("status").asText().equals("succeeded")) {
                    failed++;
                }
                latency += job.get("finished_at").asLong() - job.get("created_at").asLong();
                for (JsonNode event :
                        BenchApi.get(api, key, "/v1/fine_tuning/jobs/" + id + "/events?limit=1000")
                                .get("data")) {
                    JsonNode data = event.get("data");
                    if (data != null && data.has("tokens_per_second") && data.has("tokens")) {
                        stepSeconds +=
                                data.get("tokens").asDouble()
                                        / data.get("tokens_per_second").asDouble();
                    }
                }
            }
            double perJob = wallSeconds * workerCount / jobs;
            double stepsPerJob = stepSeconds / jobs;
            System.out.printf(
                    "| jobs | steps/job | worker processes | wall (s) | jobs/min | worker time per job"
                            + " (s) | of which training steps (s) | overhead per job (s) | failed |%n");
            System.out.printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- |%n");
            System.out.printf(
                    Locale.ROOT,
                    "| %d | %d | %d | %.1f | %.1f | %.3f | %.3f | %.3f | %d |%n",
                    jobs,
                    steps,
                    workerCount,
                    wallSeconds,
                    jobs / wallSeconds * 60,
                    perJob,
                    stepsPerJob,
                    perJob - stepsPerJob,
                    failed);
            System.out.printf(
                    Locale.ROOT,
                    "Submitting took %.1f s (%.0f jobs/s); mean time from creation to finish %.1f s;"
                            + " load average %s%n",
                    submitSeconds,
                    jobs / submitSeconds,
                    latency / jobs,
                    Files.readString(Path.of("/proc/loadavg")).strip());
        } finally {
            for (ServerProcess worker : workers) {
                worker.close();
            }
            ServerProcess.deleteTree(dataDir);
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
