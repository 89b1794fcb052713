package dev.anneal.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Runs {@code python/generate_reference.py}, the plain PyTorch LLaMA with a KV cache, in a process
 * of its own and reads the JSON it prints ({@link #run(Path, Path, int, List)} runs any reference
 * script that way). Each call is a fresh process that warms up before it times, so that its
 * figures, like the JVM's, are steady-state ones.
 */
public final class PyTorchReference {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path python;
    private final Path script;
    private final Path model;

    /**
     * A reference for one model.
     *
     * @param python the interpreter with torch ({@code /usr/bin/python3})
     * @param script {@code python/generate_reference.py}
     * @param model the Hugging Face folder both sides load
     */
    public PyTorchReference(Path python, Path script, Path model) {
        this.python = python;
        this.script = script;
        this.model = model;
    }

    /**
     * One timed generation.
     *
     * @param tokensPerSecond new tokens over the whole generation's time, prompt pass included
     * @param timeToFirstToken seconds from the start (the cache's allocation) to the first new
     *     token: the pass over the prompt and the first choice
     * @param decodeTokensPerSecond the tokens after the first over the time from the first to the
     *     last: one pass per token with the cache
     * @param ids the new tokens
     * @param torchVersion {@code torch.__version__}
     */
    public record Speed(
            double tokensPerSecond,
            double timeToFirstToken,
            double decodeTokensPerSecond,
            long[] ids,
            String torchVersion) {}

    /**
     * Times one greedy generation after {@code warmup} untimed ones.
     *
     * @param promptIds the prompt, BOS included
     * @param newTokens tokens to generate
     * @param threads torch and OpenMP threads
     * @param warmup untimed generations first
     */
    public Speed speed(long[] promptIds, int newTokens, int threads, int warmup)
            throws IOException, InterruptedException {
        JsonNode report =
                run(
                        threads,
                        "--prompt-ids",
                        ids(promptIds),
                        "--new-tokens",
                        Integer.toString(newTokens),
                        "--threads",
                        Integer.toString(threads),
                        "--warmup",
                        Integer.toString(warmup),
                        "--runs",
                        "1");
        long[] ids = new long[report.get("ids").size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = report.get("ids").get(i).asLong();
        }
        return new Speed(
                report.get("tokens_per_s").get(0).asDouble(),
                report.get("ttft_s").get(0).asDouble(),
                report.get("decode_tokens_per_s").path(0).asDouble(Double.NaN),
                ids,
                report.get("torch").asText());
    }

    /**
     * Repeats a generation and samples the resident set size.
     *
     * @return {@code [step, VmRSS KiB]} pairs, step 0 after loading the model
     */
    List<long[]> residentMemory(long[] promptIds, int newTokens, int threads, int steps, int every)
            throws IOException, InterruptedException {
        JsonNode report =
                run(
                        threads,
                        "--prompt-ids",
                        ids(promptIds),
                        "--new-tokens",
                        Integer.toString(newTokens),
                        "--threads",
                        Integer.toString(threads),
                        "--memory-steps",
                        Integer.toString(steps),
                        "--every",
                        Integer.toString(every));
        List<long[]> samples = new ArrayList<>();
        for (JsonNode sample : report.get("rss_kib")) {
            samples.add(new long[] {sample.get(0).asLong(), sample.get(1).asLong()});
        }
        return samples;
    }

    private JsonNode run(int threads, String... options) throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(List.of("--model", model.toString()));
        arguments.addAll(Arrays.asList(options));
        return run(python, script, threads, arguments);
    }

    /**
     * Runs a reference script with {@code threads} OpenMP and OpenBLAS threads.
     *
     * @return the JSON object it prints on standard output
     */
    static JsonNode run(Path python, Path script, int threads, List<String> arguments)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(python.toString(), script.toString()));
        command.addAll(arguments);
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
        builder.environment().put("OPENBLAS_NUM_THREADS", Integer.toString(threads));
        Process process = builder.start();
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = process.waitFor();
        if (code != 0) {
            throw new IOException(
                    "the PyTorch reference failed (exit "
                            + code
                            + "): "
                            + String.join(" ", command));
        }
        return JSON.readTree(out);
    }

    private static String ids(long[] ids) {
        return Arrays.stream(ids).mapToObj(Long::toString).collect(Collectors.joining(","));
    }
}
