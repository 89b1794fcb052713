package dev.anneal.store.feedback;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anneal.store.InvalidRequestException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Turns stored pairwise judgements into preference pairs in OpenAI's format ({@code {"input":
 * {"messages": prompt}, "preferred_output": chosen, "non_preferred_output": rejected}}, one JSON
 * line each). Every annotator's judgement stays in the store; aggregation happens only here, as the
 * caller asks:
 *
 * <ul>
 *   <li>{@code all}: every judgement becomes a pair, as it was given;
 *   <li>{@code majority}: one pair per prompt and pair of answers: the answer preferred by more
 *       judgements is the preferred output; ties are left out, and so are pairs judged by fewer
 *       than {@code min_annotators} distinct annotators (a judgement without annotator counts as
 *       one).
 * </ul>
 *
 * Majority groups by the keyed hashes stored with each judgement (equal texts of a tenant hash
 * alike) and holds one entry per distinct prompt and answer pair in memory while it counts.
 */
public final class PreferenceAggregation implements Consumer<PreferenceFeedback> {

    /** How judgements become pairs. */
    public enum Mode {
        ALL,
        MAJORITY;

        /** Parses the API's name; an unknown one names {@code aggregation}. */
        public static Mode of(String name) {
            if (name == null || name.equals("all")) {
                return ALL;
            }
            if (name.equals("majority")) {
                return MAJORITY;
            }
            throw new InvalidRequestException(
                    "'aggregation' must be 'all' or 'majority', got '" + name + "'.",
                    "aggregation");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();

    private final Mode mode;
    private final int minAnnotators;
    private final Consumer<byte[]> lines;
    private final Map<String, Tally> tallies = new LinkedHashMap<>();
    private int judgements;
    private int pairs;

    /**
     * @param mode how to aggregate
     * @param minAnnotators for {@code majority}: distinct annotators a pair needs, at least 1
     * @param lines receives each output line, UTF-8, ending with a newline
     */
    public PreferenceAggregation(Mode mode, int minAnnotators, Consumer<byte[]> lines) {
        if (minAnnotators < 1) {
            throw new InvalidRequestException(
                    "'min_annotators' must be at least 1.", "min_annotators");
        }
        if (mode == Mode.ALL && minAnnotators != 1) {
            throw new InvalidRequestException(
                    "'min_annotators' applies to aggregation 'majority' only.", "min_annotators");
        }
        this.mode = mode;
        this.minAnnotators = minAnnotators;
        this.lines = lines;
    }

    /** Takes one pairwise judgement, in stored order. */
    @Override
    public void accept(PreferenceFeedback judgement) {
        judgements++;
        if (mode == Mode.ALL) {
            emit(judgement.prompt(), judgement.chosen(), judgement.rejected());
            return;
        }
        String first = judgement.chosen();
        String second = judgement.rejected();
        String firstHash = HEX.formatHex(judgement.chosenHash());
        String secondHash = HEX.formatHex(judgement.rejectedHash());
        boolean swapped = firstHash.compareTo(secondHash) > 0;
        String key =
                HEX.formatHex(judgement.promptHash())
                        + (swapped ? secondHash + firstHash : firstHash + secondHash);
        Tally tally =
                tallies.computeIfAbsent(
                        key,
                        k ->
                                new Tally(
                                        judgement.prompt(),
                                        swapped ? second : first,
                                        swapped ? first : second));
        if (swapped) {
            tally.votesForSecond++;
        } else {
            tally.votesForFirst++;
        }
        tally.annotators.add(
                judgement.annotatorId() != null
                        ? "a:" + judgement.annotatorId()
                        : "e:" + judgement.eventId());
    }

    /** Ends the input: for {@code majority}, writes the pairs that carried a majority. */
    public void finish() {
        for (Tally tally : tallies.values()) {
            if (tally.annotators.size() < minAnnotators
                    || tally.votesForFirst == tally.votesForSecond) {
                continue;
            }
            boolean firstWins = tally.votesForFirst > tally.votesForSecond;
            emit(
                    tally.prompt,
                    firstWins ? tally.first : tally.second,
                    firstWins ? tally.second : tally.first);
        }
        tallies.clear();
    }

    /** Judgements read. */
    public int judgements() {
        return judgements;
    }

    /** Pairs written. */
    public int pairs() {
        return pairs;
    }

    private void emit(String prompt, String preferred, String other) {
        try {
            ObjectNode line = JSON.createObjectNode();
            line.putObject("input").set("messages", JSON.readTree(prompt));
            line.set("preferred_output", JSON.readTree(preferred));
            line.set("non_preferred_output", JSON.readTree(other));
            lines.accept((JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8));
            pairs++;
        } catch (IOException e) {
            throw new UncheckedIOException("A stored judgement is not JSON", e);
        }
    }

    private static final class Tally {
        final String prompt;
        final String first;
        final String second;
        final Set<String> annotators = new HashSet<>();
        int votesForFirst;
        int votesForSecond;

        Tally(String prompt, String first, String second) {
            this.prompt = prompt;
            this.first = first;
            this.second = second;
        }
    }
}
