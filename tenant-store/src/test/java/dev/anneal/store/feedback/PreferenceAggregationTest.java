package dev.anneal.store.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anneal.store.InvalidRequestException;
import dev.anneal.store.crypto.DataKey;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PreferenceAggregationTest {

    private static final String PROMPT = "[{\"role\":\"user\",\"content\":\"Hi\"}]";
    private static final String KIND = "[{\"role\":\"assistant\",\"content\":\"Hello!\"}]";
    private static final String RUDE = "[{\"role\":\"assistant\",\"content\":\"Go away.\"}]";

    private static final DataKey KEY = DataKey.generate();

    /** A judgement as stored: sealed, so that it carries its keyed hashes. */
    private static PreferenceFeedback judge(String chosen, String rejected, String annotator) {
        PreferenceFeedback judgement =
                new PreferenceFeedback(
                        new FeedbackRow(
                                "tenant-1",
                                UUID.randomUUID(),
                                "pairwise",
                                Instant.EPOCH,
                                Instant.EPOCH,
                                PROMPT,
                                chosen,
                                rejected,
                                "a",
                                "b",
                                null,
                                null,
                                null,
                                annotator,
                                "{}"));
        judgement.seal(KEY, KEY);
        return judgement;
    }

    private static List<String> run(
            PreferenceAggregation.Mode mode, int minAnnotators, List<PreferenceFeedback> in) {
        List<String> out = new ArrayList<>();
        PreferenceAggregation aggregation =
                new PreferenceAggregation(
                        mode, minAnnotators, b -> out.add(new String(b, StandardCharsets.UTF_8)));
        in.forEach(aggregation);
        aggregation.finish();
        return out;
    }

    @Test
    void shouldKeepEveryJudgementAsGivenWhenAggregationIsAll() {
        List<String> lines =
                run(
                        PreferenceAggregation.Mode.ALL,
                        1,
                        List.of(judge(KIND, RUDE, "ann"), judge(RUDE, KIND, "bob")));

        assertThat(lines)
                .containsExactly(
                        "{\"input\":{\"messages\":"
                                + PROMPT
                                + "},\"preferred_output\":"
                                + KIND
                                + ",\"non_preferred_output\":"
                                + RUDE
                                + "}\n",
                        "{\"input\":{\"messages\":"
                                + PROMPT
                                + "},\"preferred_output\":"
                                + RUDE
                                + ",\"non_preferred_output\":"
                                + KIND
                                + "}\n");
    }

    @Test
    void shouldGiveOnePairPerPromptByMostVotesWhenAggregationIsMajority() {
        List<String> lines =
                run(
                        PreferenceAggregation.Mode.MAJORITY,
                        3,
                        List.of(
                                judge(KIND, RUDE, "ann"),
                                judge(RUDE, KIND, "bob"),
                                judge(KIND, RUDE, "cat")));

        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("\"preferred_output\":" + KIND);
    }

    @Test
    void shouldDropTiesAndPairsWithTooFewAnnotatorsWhenAggregationIsMajority() {
        assertThat(
                        run(
                                PreferenceAggregation.Mode.MAJORITY,
                                1,
                                List.of(judge(KIND, RUDE, "ann"), judge(RUDE, KIND, "bob"))))
                .as("a tie")
                .isEmpty();
        assertThat(
                        run(
                                PreferenceAggregation.Mode.MAJORITY,
                                2,
                                List.of(judge(KIND, RUDE, "ann"), judge(KIND, RUDE, "ann"))))
                .as("one annotator twice")
                .isEmpty();
    }

    @Test
    void shouldRefuseWhenMinAnnotatorsIsGivenWithoutMajorityOrTheModeIsUnknown() {
        assertThatThrownBy(
                        () -> new PreferenceAggregation(PreferenceAggregation.Mode.ALL, 2, b -> {}))
                .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> PreferenceAggregation.Mode.of("mean"))
                .isInstanceOf(InvalidRequestException.class);
    }
}
