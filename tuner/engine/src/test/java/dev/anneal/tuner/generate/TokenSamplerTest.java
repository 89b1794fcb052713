package dev.anneal.tuner.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class TokenSamplerTest {

    private static final float[] LOGITS = {1f, 3f, 3f, 2f, -1f};

    @Test
    void shouldPickFirstMaximumWhenGreedy() {
        TokenSampler sampler = new TokenSampler(GenerationConfig.builder().build());

        assertThat(sampler.next(LOGITS)).isEqualTo(1);
    }

    @Test
    void shouldPickMostLikelyTokenWhenTopKIsOne() {
        TokenSampler sampler = sampler(GenerationConfig.builder().optTemperature(2f).optTopK(1));

        for (int i = 0; i < 100; i++) {
            assertThat(sampler.next(new float[] {0f, 5f, 4.9f})).isEqualTo(1);
        }
    }

    @Test
    void shouldPickMostLikelyTokenWhenTopPIsTiny() {
        TokenSampler sampler =
                sampler(GenerationConfig.builder().optTemperature(1f).optTopP(0.01f));

        for (int i = 0; i < 100; i++) {
            assertThat(sampler.next(new float[] {0f, 1f, 5f, 4.9f})).isEqualTo(2);
        }
    }

    @Test
    void shouldNeverPickOutsideTopKWhenSampling() {
        TokenSampler sampler = sampler(GenerationConfig.builder().optTemperature(5f).optTopK(3));

        for (int i = 0; i < 1000; i++) {
            assertThat(sampler.next(LOGITS)).isIn(1, 2, 3);
        }
    }

    @Test
    void shouldKeepOnlyTheNucleusWhenTopPIsSet() {
        // Probabilities 0.5, 0.3, 0.2: top-p 0.7 keeps the first two.
        float[] logits = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.2)};
        TokenSampler sampler = sampler(GenerationConfig.builder().optTemperature(1f).optTopP(0.7f));

        int[] counts = new int[3];
        for (int i = 0; i < 20_000; i++) {
            counts[sampler.next(logits)]++;
        }

        assertThat(counts[2]).isZero();
        assertThat(counts[0] / 20_000.0).isCloseTo(0.625, within(0.02));
    }

    @Test
    void shouldFollowSoftmaxWhenSamplingWithoutCuts() {
        float[] logits = {0f, (float) Math.log(3)};
        TokenSampler sampler = sampler(GenerationConfig.builder().optTemperature(1f));

        int ones = 0;
        for (int i = 0; i < 20_000; i++) {
            ones += sampler.next(logits);
        }

        assertThat(ones / 20_000.0).isCloseTo(0.75, within(0.02));
    }

    @Test
    void shouldRepeatDrawsWhenSeedIsTheSame() {
        GenerationConfig.Builder config = GenerationConfig.builder().optTemperature(1f).optSeed(42);
        TokenSampler first = sampler(config);
        TokenSampler second = sampler(config);

        for (int i = 0; i < 100; i++) {
            assertThat(second.next(LOGITS)).isEqualTo(first.next(LOGITS));
        }
    }

    @Test
    void shouldOrderNegativeAndPositiveLogitsWhenSorting() {
        float[] logits = {-3f, -0.5f, 0f, -1e-20f, 2f};
        TokenSampler sampler = sampler(GenerationConfig.builder().optTemperature(1f).optTopK(1));

        assertThat(sampler.next(logits)).isEqualTo(4);
        float[] negatives = {-3f, -0.5f, -7f};
        assertThat(sampler.next(negatives)).isEqualTo(1);
    }

    private static TokenSampler sampler(GenerationConfig.Builder builder) {
        return new TokenSampler(builder.build());
    }
}
