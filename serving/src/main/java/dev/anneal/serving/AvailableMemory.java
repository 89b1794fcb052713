package dev.anneal.serving;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The memory this process could still take, in bytes, for sizing the KV cache ({@link
 * KvCacheBudget}): {@code MemAvailable} of {@code /proc/meminfo} (free memory plus what the kernel
 * can reclaim from caches), bounded by the room left under the cgroup's limit when the process runs
 * in a container with one ({@code memory.max} minus {@code memory.current}, cgroup v2), since
 * {@code /proc/meminfo} tells the whole machine's. Where {@code /proc/meminfo} does not exist, the
 * JVM's view of free physical memory.
 */
public final class AvailableMemory {

    private static final Path MEMINFO = Path.of("/proc/meminfo");
    private static final Path CGROUP = Path.of("/sys/fs/cgroup");

    private AvailableMemory() {}

    /** The memory available now on this machine, as the class comment says. */
    public static long now() {
        return read(MEMINFO, CGROUP);
    }

    /**
     * The memory available, from the files given.
     *
     * @param meminfo a {@code /proc/meminfo}
     * @param cgroup a cgroup v2 folder with {@code memory.max} and {@code memory.current}
     */
    static long read(Path meminfo, Path cgroup) {
        OptionalLong machine = memAvailable(meminfo);
        long available = machine.isPresent() ? machine.getAsLong() : jvmFreeMemory();
        OptionalLong room = cgroupRoom(cgroup);
        return room.isPresent() ? Math.min(available, room.getAsLong()) : available;
    }

    /** {@code MemAvailable} of a {@code /proc/meminfo}, in bytes; empty if absent. */
    static OptionalLong memAvailable(Path meminfo) {
        try {
            for (String line : Files.readAllLines(meminfo)) {
                if (line.startsWith("MemAvailable:")) {
                    String[] parts = line.substring("MemAvailable:".length()).strip().split("\\s+");
                    long value = Long.parseLong(parts[0]);
                    return OptionalLong.of(parts.length > 1 ? value * 1024 : value);
                }
            }
            return OptionalLong.empty();
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** The room left under a cgroup v2 memory limit; empty when there is no limit. */
    static OptionalLong cgroupRoom(Path cgroup) {
        try {
            String max = Files.readString(cgroup.resolve("memory.max")).strip();
            if (max.equals("max")) {
                return OptionalLong.empty();
            }
            long current =
                    Long.parseLong(Files.readString(cgroup.resolve("memory.current")).strip());
            return OptionalLong.of(Math.max(0, Long.parseLong(max) - current));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    private static long jvmFreeMemory() {
        if (ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getFreeMemorySize();
        }
        return Runtime.getRuntime().maxMemory();
    }
}
