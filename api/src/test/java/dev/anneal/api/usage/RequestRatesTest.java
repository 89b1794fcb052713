package dev.anneal.api.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RequestRatesTest {

    private static final long MS = 1_000_000;

    private final AtomicLong now = new AtomicLong();
    private final RequestRates rates = new RequestRates(tenant -> 10, now::get);

    @Test
    void shouldAllowABurstOfOneSecondsWorthThenRefillAtTheRate() {
        for (int i = 0; i < 10; i++) {
            RequestRates.Decision decision = rates.take("key-a", "tenant");
            assertThat(decision.allowed()).isTrue();
            assertThat(decision.remaining()).isEqualTo(9 - i);
        }
        RequestRates.Decision refused = rates.take("key-a", "tenant");
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterMillis()).isEqualTo(100);
        assertThat(refused.resetMillis()).isEqualTo(1000);

        now.addAndGet(100 * MS); // one request's worth at 10 per second
        assertThat(rates.take("key-a", "tenant").allowed()).isTrue();
        assertThat(rates.take("key-a", "tenant").allowed()).isFalse();
    }

    @Test
    void shouldKeepOneBucketPerKey() {
        for (int i = 0; i < 10; i++) {
            rates.take("key-a", "tenant");
        }
        assertThat(rates.take("key-a", "tenant").allowed()).isFalse();
        assertThat(rates.take("key-b", "tenant").allowed()).isTrue();
    }

    @Test
    void shouldWriteResetDurationsAsOpenAiDoes() {
        assertThat(RateLimitHeaders.duration(6)).isEqualTo("6ms");
        assertThat(RateLimitHeaders.duration(1000)).isEqualTo("1s");
        assertThat(RateLimitHeaders.duration(2500)).isEqualTo("2.5s");
    }
}
