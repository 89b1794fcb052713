package dev.anneal.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fast reading of date-times gives what {@link OffsetDateTime#parse} gives, always. */
class DateTimesTest {

    @Test
    void shouldReadWhatTheJdkReads() {
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            Instant instant =
                    Instant.ofEpochSecond(
                            random.nextLong(-5_000_000_000L, 50_000_000_000L),
                            random.nextInt(1_000_000_000));
            ZoneOffset offset =
                    ZoneOffset.ofTotalSeconds(random.nextInt(-18 * 60, 18 * 60 + 1) * 60);
            String text = OffsetDateTime.ofInstant(instant, offset).toString();
            assertThat(DateTimes.parse(text))
                    .as(text)
                    .isEqualTo(OffsetDateTime.parse(text).toInstant());
        }
    }

    @Test
    void shouldReadEveryFormTheJdkReads() {
        for (String text :
                List.of(
                        "2026-11-27T14:00:00Z",
                        "2026-11-27T14:00Z",
                        "2026-11-27t14:00:00z",
                        "2026-11-27T14:00:00.5Z",
                        "2026-11-27T14:00:00.Z",
                        "2026-11-27T14:00:00.123456789Z",
                        "2026-11-27T14:00:00-00:00",
                        "2026-11-27T14:00:00+05:45",
                        "2026-11-27T14:00:00-03:30",
                        "2026-11-27T14:00:00+01",
                        "2026-11-27T14:00:00+01:00:30",
                        "2024-02-29T23:59:59.999999999+18:00",
                        "+12026-11-27T14:00:00Z")) {
            assertThat(DateTimes.parse(text))
                    .as(text)
                    .isEqualTo(OffsetDateTime.parse(text).toInstant());
        }
    }

    @Test
    void shouldRefuseWhatTheJdkRefuses() {
        for (String text :
                List.of(
                        "",
                        "yesterday",
                        "2026-11-27",
                        "2026-11-27T14:00:00",
                        "2026-13-27T14:00:00Z",
                        "2026-02-29T14:00:00Z",
                        "2026-11-31T14:00:00Z",
                        "2026-11-27T24:00:00Z",
                        "2026-11-27T14:60:00Z",
                        "2026-11-27T14:00:60Z",
                        "2026-11-27T14:00:00.1234567890Z",
                        "2026-11-27T14:00:00+19:00",
                        "2026-11-27T14:00:00+01:60",
                        "2026-11-27T14:00:00ZZ",
                        "2026-11-27 14:00:00Z",
                        "2026-11-27T14:00:00+0100",
                        "２026-11-27T14:00:00Z")) {
            assertThatThrownBy(() -> OffsetDateTime.parse(text))
                    .as("the JDK refuses %s", text)
                    .isInstanceOf(DateTimeParseException.class);
            assertThatThrownBy(() -> DateTimes.parse(text))
                    .as(text)
                    .isInstanceOf(DateTimeParseException.class);
        }
    }
}
