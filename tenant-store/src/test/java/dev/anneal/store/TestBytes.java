package dev.anneal.store;

import java.util.Random;

/** Byte arrays for tests: random ones, reproducible by their seed, and repetitions. */
public final class TestBytes {

    private TestBytes() {}

    /** {@code size} bytes drawn from a generator seeded with {@code seed}. */
    public static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** {@code unit}, {@code times} times over. */
    public static byte[] repeat(byte[] unit, int times) {
        byte[] out = new byte[unit.length * times];
        for (int i = 0; i < times; i++) {
            System.arraycopy(unit, 0, out, i * unit.length, unit.length);
        }
        return out;
    }
}
