package dev.anneal.bench.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anneal.server.launch.EmbeddedInfrastructure;
import dev.anneal.server.launch.LaunchSettings;
import dev.anneal.server.launch.ServerProcess;
import dev.anneal.tuner.worker.JobPhases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
 * and a row of a Markdown table is printed: jobs per minute, job creation's median and 99th
 * percentile, and per job the worker time spent in training steps beside everything else. A second
 * table says where the worker's time per job goes, from the tuners' own meters ({@code
 * anneal_tuner_job_phase_seconds}: claim, decrypt, load model, tokenize, first step, steps,
 * checkpoints, store model, finish). First, with one idle tuner, {@code --latency-jobs} jobs are
 * submitted one at a time and the time from {@code POST /v1/fine_tuning/jobs} to the job's first
 * step is taken as a client sees it: until its first metrics event can be read.
 *
 * <p>Before all that, with no tuner running, {@code --warmup-jobs} jobs are created and cancelled
 * at once, so that the api process is measured as it serves after its first minutes rather than
 * while its JIT compiler still takes most of a core (a fresh process compiles for minutes: its
 * creations are then slower by half). Their creation times are printed apart, as the cold figure.
 *
 * <pre>
 * java ... JobThroughputBench [--jobs 300] [--workers 1,2,4] [--steps 4] [--latency-jobs 20]
 *     [--warmup-jobs 1000]
 * </pre>
 */
public final class JobThroughputBench {

    private static final String ADMIN_KEY = "sk-admin-bench-0123456789";

    private JobThroughputBench() {}

    public static void main(String[] args) throws Exception {
        int jobs = BenchApi.intArg(args, "--jobs", 300);
        List<Integer> workerCounts = BenchApi.intsArg(args, "--workers", List.of(1, 2, 4));
        int steps = BenchApi.intArg(args, "--steps", 4);
        int latencyJobs = BenchApi.intArg(args, "--latency-jobs", 20);
        int warmupJobs = BenchApi.intArg(args, "--warmup-jobs", 1000);
        Path dataDir = Files.createTempDirectory("anneal-jobs-bench-");
        List<String> rows = new ArrayList<>();
        List<String> phaseRows = new ArrayList<>();
        String latency;
        String warmup;
        try (EmbeddedInfrastructure infrastructure =
                        EmbeddedInfrastructure.start(LaunchSettings.embeddedIn(dataDir));
                ServerProcess api =
                        ServerProcess.start(
                                dataDir,
                                "768m",
                                withRoles(environment(infrastructure, workerCounts), "api"))) {
            api.awaitReady(Duration.ofMinutes(2));
            warmup = warmUp(api, warmupJobs);
            latency = firstStepLatency(infrastructure, api, dataDir, latencyJobs, steps);
            for (int workers : workerCounts) {
                Row row = measure(infrastructure, api, dataDir, workers, jobs, steps);
                rows.add(row.throughput());
                phaseRows.add(row.phases());
            }
        } finally {
            ServerProcess.deleteTree(dataDir);
        }
        System.out.println(warmup);
        System.out.println(latency);
        System.out.println();
        System.out.printf(
                "| jobs | steps/job | tuner processes | wall (s) | jobs/min | creation p50 (ms) |"
                        + " creation p99 (ms) | worker time per job (s) | of which training steps"
                        + " (s) | overhead per job (s) | failed | peak RSS per tuner (MiB) |%n");
        System.out.printf(
                "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |%n");
        rows.forEach(System.out::println);
        System.out.println();
        System.out.print("| tuner processes |");
        for (String phase : PHASES) {
            System.out.print(" " + phase.replace('_', ' ') + " (ms) |");
        }
        System.out.println(" all but steps (ms) |");
        System.out.println("| --- |" + " --- |".repeat(PHASES.size() + 1));
        phaseRows.forEach(System.out::println);
        System.out.println();
        System.out.println(
                "Per job, means from the tuners' anneal_tuner_job_phase_seconds; \"first step\" is"
                        + " the first training step itself, \"tokenize\" preparing the data and"
                        + " setting up the run after the model is loaded.");
        System.out.printf(
                "%d cores; load average %s%n",
                Runtime.getRuntime().availableProcessors(),
                Files.readString(Path.of("/proc/loadavg")).strip());
    }

    private static Map<String, String> environment(
            EmbeddedInfrastructure infrastructure, List<Integer> workerCounts) {
        Map<String, String> env = ServerProcess.environmentFor(infrastructure, ADMIN_KEY);
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

    /** The phases of {@code anneal_tuner_job_phase_seconds}, in the order of a run. */
    private static final List<String> PHASES =
            Arrays.stream(JobPhases.Phase.values()).map(JobPhases.Phase::tag).toList();

    private record Row(String throughput, String phases) {}

    private record Tenant(String key, String body) {}

    /** A new tenant with room for {@code jobs} active jobs, its dataset and the job's body. */
    private static Tenant tenant(String api, String name, int jobs, int steps) throws Exception {
        String tenant =
                BenchApi.post(api, ADMIN_KEY, "/v1/admin/tenants", "{\"name\":\"" + name + "\"}")
                        .get("id")
                        .asText();
        // room for every job at once, beyond the default active_jobs quota
        BenchApi.patch(
                api,
                ADMIN_KEY,
                "/v1/admin/tenants/" + tenant,
                "{\"quotas\":{\"active_jobs\":" + Math.max(jobs, 1) + "}}");
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
        return new Tenant(key, body);
    }

    /**
     * Creates {@code count} jobs and cancels each at once, with no tuner running: the api process's
     * JIT warm-up; a line with their creation times.
     */
    private static String warmUp(ServerProcess apiProcess, int count) throws Exception {
        if (count == 0) {
            return "(no warm-up: --warmup-jobs 0; creation times below include the api's JIT"
                    + " warm-up)";
        }
        String api = apiProcess.baseUri();
        Tenant tenant = tenant(api, "bench-warmup", count, 1);
        System.err.printf("warm-up: creating and cancelling %d jobs%n", count);
        List<Double> creations = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long posting = System.nanoTime();
            String id =
                    BenchApi.post(api, tenant.key(), "/v1/fine_tuning/jobs", tenant.body())
                            .get("id")
                            .asText();
            creations.add((System.nanoTime() - posting) / 1e6);
            BenchApi.post(api, tenant.key(), "/v1/fine_tuning/jobs/" + id + "/cancel", "");
        }
        Collections.sort(creations);
        return String.format(
                Locale.ROOT,
                "Warm-up of the fresh api process, no tuner running: %d jobs created (and"
                        + " cancelled), creation p50 %.1f ms, p99 %.1f ms",
                count,
                percentile(creations, 50),
                percentile(creations, 99));
    }

    /**
     * With one idle tuner, {@code count} jobs one after another: from the POST to the first metrics
     * event, polled every 10 ms; a line with the median, the 90th percentile and the slowest.
     */
    private static String firstStepLatency(
            EmbeddedInfrastructure infrastructure,
            ServerProcess apiProcess,
            Path dataDir,
            int count,
            int steps)
            throws Exception {
        if (count == 0) {
            return "(POST to first step not measured: --latency-jobs 0)";
        }
        String api = apiProcess.baseUri();
        Tenant tenant = tenant(api, "bench-latency", 1, steps);
        try (ServerProcess tuner =
                ServerProcess.start(
                        dataDir,
                        "768m",
                        withRoles(environment(infrastructure, List.of(1)), "tuner"))) {
            tuner.awaitReady(Duration.ofMinutes(2));
            // the first job pays for loading libtorch and the JIT's first pass; not counted
            runToFirstStep(api, tenant);
            List<Double> millis = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Thread.sleep(1500); // an idle worker: waiting, not polling by chance just now
                millis.add(runToFirstStep(api, tenant));
            }
            Collections.sort(millis);
            return String.format(
                    Locale.ROOT,
                    "From POST /v1/fine_tuning/jobs to the first step's event, one idle tuner, %d"
                            + " jobs one at a time: p50 %.0f ms, p90 %.0f ms, slowest %.0f ms"
                            + " (the tuner's own measure from creation to first step: mean %.0f"
                            + " ms)",
                    count,
                    percentile(millis, 50),
                    percentile(millis, 90),
                    millis.get(millis.size() - 1),
                    meanMillis(tuner.managementUri(), "anneal_tuner_job_first_step_seconds", ""));
        }
    }

    /** Milliseconds from the job's POST to its first metrics event; waits for it to end. */
    private static double runToFirstStep(String api, Tenant tenant) throws Exception {
        long posted = System.nanoTime();
        String id =
                BenchApi.post(api, tenant.key(), "/v1/fine_tuning/jobs", tenant.body())
                        .get("id")
                        .asText();
        double millis = -1;
        while (millis < 0) {
            for (JsonNode event :
                    BenchApi.get(
                                    api,
                                    tenant.key(),
                                    "/v1/fine_tuning/jobs/" + id + "/events?limit=100")
                            .get("data")) {
                if (event.get("type").asText().equals("metrics")) {
                    millis = (System.nanoTime() - posted) / 1e6;
                }
            }
            if (millis < 0) {
                Thread.sleep(10);
            }
        }
        String status;
        do {
            Thread.sleep(50);
            status =
                    BenchApi.get(api, tenant.key(), "/v1/fine_tuning/jobs/" + id)
                            .get("status")
                            .asText();
        } while (!status.equals("succeeded") && !status.equals("failed"));
        return millis;
    }

    private static double percentile(List<Double> sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    /**
     * The mean of a timer in a process's Prometheus metrics, in milliseconds: {@code name_sum /
     * name_count} for the series whose labels contain {@code labels}.
     */
    private static double meanMillis(String management, String name, String labels)
            throws Exception {
        double[] sumAndCount = scrape(List.of(management), name, labels);
        return sumAndCount[1] == 0 ? 0 : sumAndCount[0] / sumAndCount[1] * 1000;
    }

    /** Sum and count of a timer over several processes. */
    private static double[] scrape(List<String> managements, String name, String labels)
            throws Exception {
        double sum = 0;
        double count = 0;
        for (String management : managements) {
            String text = BenchApi.text(management + "/q/metrics");
            for (String line : text.split("\n")) {
                if (line.startsWith("#") || !line.contains(labels)) {
                    continue;
                }
                double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                if (line.startsWith(name + "_sum")) {
                    sum += value;
                } else if (line.startsWith(name + "_count")) {
                    count += value;
                }
            }
        }
        return new double[] {sum, count};
    }

    /** Runs {@code jobs} jobs on {@code workers} fresh tuner processes; one row of each table. */
    private static Row measure(
            EmbeddedInfrastructure infrastructure,
            ServerProcess apiProcess,
            Path dataDir,
            int workers,
            int jobs,
            int steps)
            throws Exception {
        String api = apiProcess.baseUri();
        Tenant tenant = tenant(api, "bench-" + workers, jobs, steps);
        String key = tenant.key();
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
            System.err.printf("%d tuner(s): creating %d jobs%n", workers, jobs);
            long started = System.nanoTime();
            List<String> ids = new ArrayList<>();
            List<Double> creations = new ArrayList<>();
            for (int i = 0; i < jobs; i++) {
                long posting = System.nanoTime();
                ids.add(
                        BenchApi.post(api, key, "/v1/fine_tuning/jobs", tenant.body())
                                .get("id")
                                .asText());
                creations.add((System.nanoTime() - posting) / 1e6);
            }
            Collections.sort(creations);
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
            List<String> managements = new ArrayList<>();
            for (ServerProcess tuner : tuners) {
                peakRss = Math.max(peakRss, tuner.peakRssBytes());
                managements.add(tuner.managementUri());
            }
            StringBuilder phases = new StringBuilder("| " + workers + " |");
            double overhead = 0;
            for (String phase : PHASES) {
                double[] sumAndCount =
                        scrape(
                                managements,
                                "anneal_tuner_job_phase_seconds",
                                "phase=\"" + phase + "\"");
                double millis = sumAndCount[0] / jobs * 1000;
                if (!phase.equals("steps")) {
                    overhead += millis;
                }
                phases.append(String.format(Locale.ROOT, " %.1f |", millis));
            }
            phases.append(String.format(Locale.ROOT, " %.1f |", overhead));
            double perJob = wallSeconds * workers / jobs;
            double stepsPerJob = stepSeconds / jobs;
            String throughput =
                    String.format(
                            Locale.ROOT,
                            "| %d | %d | %d | %.1f | %.1f | %.1f | %.1f | %.3f | %.3f | %.3f | %d | %d |",
                            jobs,
                            steps,
                            workers,
                            wallSeconds,
                            jobs / wallSeconds * 60,
                            percentile(creations, 50),
                            percentile(creations, 99),
                            perJob,
                            stepsPerJob,
                            perJob - stepsPerJob,
                            failed,
                            peakRss >> 20);
            return new Row(throughput, phases.toString());
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
