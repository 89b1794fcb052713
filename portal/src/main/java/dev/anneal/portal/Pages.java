package dev.anneal.portal;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** What several pages show the same way: times, sizes, page lengths. */
public final class Pages {

    /** Rows per page of every list. */
    public static final int PAGE_SIZE = 25;

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT)
                    .withZone(ZoneOffset.UTC);

    private Pages() {}

    /** A Unix time in seconds, as the pages show it. */
    public static String time(Long epochSeconds) {
        return epochSeconds == null ? "" : TIME.format(Instant.ofEpochSecond(epochSeconds));
    }

    /** A byte count, in the largest unit that keeps it above one. */
    public static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, value < 10 ? "%.1f %s" : "%.0f %s", value, units[unit]);
    }
}
