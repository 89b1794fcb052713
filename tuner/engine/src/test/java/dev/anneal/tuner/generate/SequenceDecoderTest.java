package dev.anneal.tuner.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.anneal.tuner.Stories260K;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SequenceDecoderTest {

    private static final int VOCAB = 512;
    private static final int CONTEXT = 256;

    private final TextTokenizer tokenizer = Stories260K.tokenizer();
    private final long[] prompt = tokenizer.encode("Once upon a time");

    private SequenceDecoder decoder(GenerationConfig config, TokenConstraint constraint) {
        return new SequenceDecoder(tokenizer, prompt, config, CONTEXT, constraint);
    }

    /** Logits far from 0, so that an unshifted {@code exp} would overflow. */
    private static float[] logits(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] logits = new float[VOCAB];
        for (int i = 0; i < VOCAB; i++) {
            logits[i] = 500 + (float) random.nextDouble(-8, 8);
        }
        return logits;
    }

    /** The reference log-softmax at one id, in double. */
    private static double logSoftmax(float[] logits, long id) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : logits) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (float x : logits) {
            sum += Math.exp(x - max);
        }
        return logits[(int) id] - max - Math.log(sum);
    }

    @Test
    void shouldRecordNoLogprobsWhenNotAsked() {
        SequenceDecoder decoder = decoder(GenerationConfig.builder().build(), null);
        decoder.takeInput(CONTEXT);

        assertThat(decoder.advance(logits(1)).logprobs()).isNull();
    }

    @Test
    void shouldGiveGreedyTokenFirstAndSortedLogSoftmaxWhenDecodingGreedily() {
        SequenceDecoder decoder =
                decoder(GenerationConfig.builder().optMaxNewTokens(5).optLogprobs(5).build(), null);
        for (int step = 0; step < 5; step++) {
            decoder.takeInput(CONTEXT);
            float[] logits = logits(step);
            float[] raw = logits.clone();

            SequenceDecoder.TokenStep token = decoder.advance(logits);

            TokenLogprobs logprobs = token.logprobs();
            assertThat(token.tokenId()).isEqualTo(TokenSampler.argMax(raw));
            assertThat(logprobs.chosen().tokenId()).isEqualTo(token.tokenId());
            assertThat(logprobs.chosen().logprob())
                    .isLessThanOrEqualTo(0)
                    .isCloseTo(logSoftmax(raw, token.tokenId()), within(1e-6));
            assertThat(logprobs.top()).hasSize(5);
            assertThat(logprobs.top().get(0)).isEqualTo(logprobs.chosen());
            for (int i = 0; i < 5; i++) {
                TokenLogprobs.Token alternative = logprobs.top().get(i);
                assertThat(alternative.logprob())
                        .isLessThanOrEqualTo(0)
                        .isCloseTo(logSoftmax(raw, alternative.tokenId()), within(1e-6));
                if (i > 0) {
                    assertThat(alternative.logprob())
                            .isLessThanOrEqualTo(logprobs.top().get(i - 1).logprob());
                }
            }
        }
    }

    @Test
    void shouldReportRawLogSoftmaxWhenSamplingWithTemperatureUnderConstraint() {
        BitSet allowed = new BitSet();
        allowed.set(100, 200);
        TokenConstraint constraint =
                new TokenConstraint() {
                    @Override
                    public BitSet allowed() {
                        return allowed;
                    }

                    @Override
                    public void accept(long tokenId) {}

                    @Override
                    public boolean isComplete() {
                        return false;
                    }
                };
        GenerationConfig config =
                GenerationConfig.builder().optTemperature(0.5f).optSeed(3).optLogprobs(2).build();
        SequenceDecoder decoder = decoder(config, constraint);
        decoder.takeInput(CONTEXT);
        float[] logits = logits(9);
        float[] raw = logits.clone();

        SequenceDecoder.TokenStep token = decoder.advance(logits);

        assertThat(token.tokenId()).isBetween(100L, 199L);
        assertThat(token.logprobs().chosen().logprob())
                .isCloseTo(logSoftmax(raw, token.tokenId()), within(1e-6));
        // the alternatives are those of the raw logits, the masked tokens included
        assertThat(token.logprobs().top().get(0).tokenId()).isEqualTo(TokenSampler.argMax(raw));
    }

    @Test
    void shouldGiveTokenTextWithItsLeadingSpaceWhenTokenStartsAWord() {
        long[] after = tokenizer.encode("Once upon a time there");
        long there = after[after.length - 1];
        SequenceDecoder decoder = decoder(GenerationConfig.builder().optLogprobs(0).build(), null);
        decoder.takeInput(CONTEXT);
        float[] logits = new float[VOCAB];
        logits[(int) there] = 10;

        SequenceDecoder.TokenStep token = decoder.advance(logits);

        assertThat(token.logprobs().chosen().text()).isEqualTo(" there");
        assertThat(token.logprobs().top()).isEmpty();
    }

    @Test
    void shouldStayFiniteAndPickLowerIdOnTiesWhenLogitsAreLarge() {
        float[] logits = new float[] {1000, 3000, 3000, -1e30f, Float.NEGATIVE_INFINITY};

        double logNorm = TokenLogprobs.logSumExp(logits);

        assertThat(logNorm).isCloseTo(3000 + Math.log(2), within(1e-9));
        assertThat(TokenLogprobs.topIds(logits, 3)).containsExactly(1, 2, 0);
        assertThat(TokenLogprobs.topIds(logits, 10)).containsExactly(1, 2, 0, 3, 4);
        assertThat(TokenLogprobs.topIds(logits, 0)).isEmpty();
        assertThat(List.of(TokenLogprobs.topIds(new float[] {1, 1, 1}, 2)[0])).containsExactly(0);
    }
}
