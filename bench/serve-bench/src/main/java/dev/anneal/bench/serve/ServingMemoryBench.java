package dev.anneal.bench.serve;

import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.anneal.bench.BenchArguments;
import dev.anneal.bench.Machine;
import dev.anneal.serving.ServedModel;
import dev.anneal.serving.ServingConfig;
import dev.anneal.serving.ServingEngine;
import dev.anneal.tuner.export.PeftAdapter;
import dev.anneal.tuner.model.DjlRuntime;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * What a serving process needs per resident base model and per cached adapter, for sizing serve
 * pods: the process's resident memory ({@code VmRSS}) before the model is opened, after it is
 * loaded and has answered one request (weights, the KV cache of the smallest budget, libtorch's
 * workspace), and after {@code --adapters} LoRA adapters ({@link RandomAdapters}: rank 8 on {@code
 * q,k,v,o}) have each answered one; beside the float32 sizes those weights have on paper. Growth of
 * resident memory includes the allocators' slack, which is the point: it is what a pod must hold.
 *
 * <p>Run from the repository root, one model per process (so that one model's freed memory does not
 * hide the next one's): {@code bench/serve-bench.sh memory --model 110m}.
 */
public final class ServingMemoryBench {

    private static final int KV_TOKENS = 2_048;

    private ServingMemoryBench() {}

    public static void main(String[] args) throws Exception {
        BenchArguments options =
                new BenchArguments(
                        args,
                        Map.of(
                                "--model", "26m",
                                "--adapters", "32",
                                "--threads", "2",
                                "--stories260K", "tuner/engine/models/stories260K"));
        DjlRuntime.offlineByDefault();
        int adapterCount = options.integer("--adapters");
        try (BenchModel model =
                BenchModel.open(options.string("--model"), options.path("--stories260K"))) {
            MemoryModelStore store = new MemoryModelStore(model.name(), model.dir());
            List<byte[]> archives =
                    RandomAdapters.archives(model.dir(), model.name(), adapterCount, 7);
            long adapterBytes = 0;
            for (int i = 0; i < archives.size(); i++) {
                store.addLora("lora-" + i, archives.get(i));
            }
            ServingConfig config =
                    new ServingConfig(
                            adapterCount,
                            KV_TOKENS,
                            16,
                            ServingConfig.DEFAULT_PREFILL_CHUNK,
                            options.integer("--threads"));
            try (ServingEngine engine = new ServingEngine(store, config)) {
                settle();
                long before = Machine.residentKib();
                ServedModel base = engine.open(MemoryModelStore.TENANT, model.name());
                TimedStream.run(base, model.prompt(), 4);
                settle();
                long loaded = Machine.residentKib();
                for (int i = 0; i < adapterCount; i++) {
                    ServedModel adapter = engine.open(MemoryModelStore.TENANT, "lora-" + i);
                    TimedStream.run(adapter, model.prompt(), 2);
                }
                settle();
                long withAdapters = Machine.residentKib();
                adapterBytes = weightsBytes(archives.get(0));
                System.out.println(
                        "| model | parameters | float32 weights (MiB) | RSS before (MiB) | RSS growth"
                                + " on load (MiB) | adapters | float32 per adapter (MiB) | RSS"
                                + " growth per adapter (MiB) |");
                System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
                System.out.printf(
                        Locale.ROOT,
                        "| %s | %.1fM | %.1f | %.0f | %.1f | %d | %.2f | %.2f |%n",
                        model.name(),
                        model.parameters() / 1e6,
                        model.parameters() * 4 / 1048576.0,
                        before / 1024.0,
                        (loaded - before) / 1024.0,
                        adapterCount,
                        adapterBytes / 1048576.0,
                        (withAdapters - loaded) / 1024.0 / adapterCount);
            }
        }
        System.out.printf(
                "%nKV-cache budget %d tokens; machine: %s; load average %s.%n",
                KV_TOKENS, Machine.cpu(), Machine.loadAverage());
    }

    /** The size of an adapter archive's weights file: its float32 tensors and a small header. */
    private static long weightsBytes(byte[] archive) throws IOException {
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(archive))) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                if (entry.getName().endsWith(PeftAdapter.WEIGHTS_FILE)) {
                    return zip.readAllBytes().length;
                }
            }
        }
        throw new IOException("No " + PeftAdapter.WEIGHTS_FILE + " in the adapter archive");
    }

    /**
     * Lets the JVM and the C allocator return what they can (writing the synthetic model frees
     * hundreds of MiB that libtorch and glibc would otherwise reuse for the load, hiding it), so
     * that the figures are of what stays.
     */
    private static void settle() throws InterruptedException {
        System.gc();
        Thread.sleep(500);
        C.INSTANCE.malloc_trim(0);
    }

    /** glibc, for {@code malloc_trim}. */
    private interface C extends Library {
        C INSTANCE = Native.load("c", C.class);

        int malloc_trim(long pad);
    }
}
