package dev.anneal.bench.server;

import dev.anneal.store.crypto.DataKey;
import dev.anneal.store.crypto.SegmentedAesGcm;
import dev.anneal.store.file.UploadPipeline;
import dev.anneal.store.file.format.JsonlLimits;
import dev.anneal.store.file.format.JsonlValidator;
import dev.anneal.store.file.format.ValidationResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The upload path's CPU-bound stages in process, on the same in-memory chat dataset ({@link
 * GenerateChatJsonl}) fed in the same 64 KiB chunks as the Files API reads them: the validator
 * alone, the validate-and-encrypt pipeline as an upload runs it ({@link UploadPipeline}, storage
 * into a discarding sink), and, as the reference, the JDK's AES-256-GCM on 64 KiB segments, the
 * cipher and segment size of the blob format. Medians of several runs, the stages alternating in
 * each; the load average is printed before and after, as the machine may be shared.
 *
 * <pre>
 * bench/run-server-bench.sh ValidatorThroughputBench [--size 128M] [--runs 5]
 * </pre>
 */
public final class ValidatorThroughputBench {

    private static final int CHUNK = 64 * 1024;

    private final byte[] data;
    private final DataKey key = DataKey.generate();

    private ValidatorThroughputBench(byte[] data) {
        this.data = data;
    }

    public static void main(String[] args) throws Exception {
        long size = 128L << 20;
        int runs = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--size" -> size = GenerateChatJsonl.parseSize(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: ValidatorThroughputBench [--size 128M] [--runs 5]");
                    System.exit(2);
                }
            }
        }
        String loadBefore = loadAverage();
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) size + 8192);
        long[] written = new GenerateChatJsonl().write(out, size);
        ValidatorThroughputBench bench = new ValidatorThroughputBench(out.toByteArray());
        out = null;
        System.err.printf(
                Locale.ROOT, "[bench] dataset: %d bytes, %d lines%n", written[0], written[1]);

        List<Stage> stages =
                List.of(
                        new Stage("JDK AES-256-GCM (64 KiB segments, 1 thread)", bench::aesGcm),
                        new Stage("validator alone (1 thread)", bench::validator),
                        new Stage(
                                "validate + encrypt (UploadPipeline, 2 worker threads)",
                                bench::pipeline));
        for (Stage stage : stages) { // warm-up, not counted
            stage.body.run();
            stage.body.run();
        }
        for (int run = 0; run < runs; run++) {
            for (int k = 0; k < stages.size(); k++) {
                Stage stage = stages.get((k + run) % stages.size());
                long start = System.nanoTime();
                stage.body.run();
                stage.seconds.add((System.nanoTime() - start) / 1e9);
            }
        }
        String loadAfter = loadAverage();

        double reference = bench.data.length / 1e6 / median(stages.get(0).seconds);
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "In process, %d MB of chat JSONL in 64 KiB chunks, medians of %d runs,"
                        + " %d cores; load average (1 min) before %s, after %s%n%n",
                bench.data.length / 1_000_000,
                runs,
                Runtime.getRuntime().availableProcessors(),
                loadBefore,
                loadAfter);
        System.out.println("| stage | MB/s (median) | min–max MB/s | × JDK AES-GCM |");
        System.out.println("|---|---|---|---|");
        for (Stage stage : stages) {
            double mbs = bench.data.length / 1e6 / median(stage.seconds);
            double slowest =
                    bench.data.length
                            / 1e6
                            / stage.seconds.stream().mapToDouble(d -> d).max().orElseThrow();
            double fastest =
                    bench.data.length
                            / 1e6
                            / stage.seconds.stream().mapToDouble(d -> d).min().orElseThrow();
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %.0f | %.0f–%.0f | %.2f |%n",
                    stage.name,
                    mbs,
                    slowest,
                    fastest,
                    mbs / reference);
        }
        System.out.println();
        System.out.println("MB = 10^6 bytes.");
    }

    /** Encrypts the dataset segment by segment, as {@link SegmentedAesGcm} does, with no I/O. */
    private void aesGcm() throws Exception {
        byte[] keyBytes = new byte[32];
        new SecureRandom().nextBytes(keyBytes);
        SecretKeySpec aesKey = new SecretKeySpec(keyBytes, "AES");
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        byte[] nonce = new byte[12];
        byte[] ciphertext = new byte[CHUNK + 16];
        long sum = 0;
        for (int off = 0, segment = 0; off < data.length; off += CHUNK, segment++) {
            int len = Math.min(CHUNK, data.length - off);
            nonce[8] = (byte) (segment >>> 24);
            nonce[9] = (byte) (segment >>> 16);
            nonce[10] = (byte) (segment >>> 8);
            nonce[11] = (byte) segment;
            try {
                cipher.init(Cipher.ENCRYPT_MODE, aesKey, new GCMParameterSpec(128, nonce));
                sum += cipher.doFinal(data, off, len, ciphertext, 0);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
        requireAll(sum - (long) 16 * ((data.length + CHUNK - 1) / CHUNK));
    }

    private void validator() {
        JsonlValidator validator = new JsonlValidator(JsonlLimits.DEFAULTS);
        byte[] chunk = new byte[CHUNK];
        for (int off = 0; off < data.length; off += CHUNK) {
            int len = Math.min(CHUNK, data.length - off);
            System.arraycopy(data, off, chunk, 0, len); // as the request thread's buffer
            validator.accept(chunk, 0, len);
        }
        requireValid(validator.finish());
    }

    private void pipeline() throws IOException {
        Discard sink = new Discard();
        UploadPipeline pipeline =
                new UploadPipeline(
                        JsonlLimits.DEFAULTS,
                        SegmentedAesGcm.encrypt(key, "file-bench", sink),
                        "bench");
        byte[] chunk = new byte[CHUNK];
        for (int off = 0; off < data.length; off += CHUNK) {
            int len = Math.min(CHUNK, data.length - off);
            System.arraycopy(data, off, chunk, 0, len);
            pipeline.write(chunk, 0, len);
        }
        requireValid(pipeline.finishValidation());
        pipeline.finishStorage();
        requireAll(sink.bytes - SegmentedAesGcm.ciphertextLength(data.length) + data.length);
    }

    private void requireAll(long bytes) {
        if (bytes != data.length) {
            throw new IllegalStateException("encrypted " + bytes + " of " + data.length + " bytes");
        }
    }

    private static void requireValid(ValidationResult result) {
        if (!result.isValid()) {
            throw new IllegalStateException(result.summary());
        }
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(d -> d).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0];
        } catch (IOException e) {
            return "?";
        }
    }

    private interface Body {
        void run() throws Exception;
    }

    private record Stage(String name, Body body, List<Double> seconds) {
        Stage(String name, Body body) {
            this(name, body, new ArrayList<>());
        }
    }

    /** Counts the ciphertext and throws it away. */
    private static final class Discard extends OutputStream {
        private long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }
}
