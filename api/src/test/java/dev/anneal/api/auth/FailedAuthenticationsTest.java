package dev.anneal.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FailedAuthenticationsTest {

    @Test
    void shouldRefuseAnAddressAfterABurstOfFailuresAndLetItTryAgainLater() {
        AtomicLong now = new AtomicLong();
        FailedAuthentications failures = new FailedAuthentications(20, now::get);
        for (int i = 0; i < 100; i++) {
            failures.failed("sk-wrong-" + i, "10.0.0.1");
        }

        assertThat(failures.mayTry("10.0.0.1")).isFalse();
        assertThat(failures.retryAfterSeconds("10.0.0.1")).isEqualTo(1);
        assertThat(failures.mayTry("10.0.0.2")).isTrue();
        now.addAndGet(60_000_000L); // 60 ms: 1.2 tokens
        assertThat(failures.mayTry("10.0.0.1")).isTrue();
    }

    @Test
    void shouldRememberUnknownKeysOnly() {
        FailedAuthentications failures = new FailedAuthentications(20);
        failures.failed("sk-unknown", "10.0.0.1");

        assertThat(failures.knownUnknown("sk-unknown")).isTrue();
        assertThat(failures.knownUnknown("sk-other")).isFalse();
    }
}
