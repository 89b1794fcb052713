package dev.anneal.tuner.generate;

import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * When a sequence stops, and how much of its text is not decided yet: end-of-sequence tokens, stop
 * strings that are one special token (stopped on as tokens, since they decode to nothing), and
 * other stop strings, matched in the text and never shown.
 */
final class StopRules {

    private static final char REPLACEMENT = '\uFFFD';

    private final Set<Long> stopIds = new HashSet<>();
    private final List<String> stopTexts = new ArrayList<>();

    StopRules(TextTokenizer tokenizer, GenerationConfig config) {
        stopIds.addAll(config.eosTokenIds());
        for (String stop : config.stopSequences()) {
            OptionalLong id = tokenizer.singleTokenId(stop);
            boolean special =
                    id.isPresent() && tokenizer.decode(new long[] {id.getAsLong()}).isEmpty();
            if (special) {
                stopIds.add(id.getAsLong());
            } else {
                stopTexts.add(stop);
            }
        }
    }

    /** Whether the token ends the sequence. */
    boolean isStopToken(long id) {
        return stopIds.contains(id);
    }

    /** Where the first stop string starts in the text, or -1. */
    int firstStop(String text) {
        int first = -1;
        for (String stop : stopTexts) {
            int at = text.indexOf(stop);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }

    /**
     * How many characters at the end of the text are not decided yet: the longest end that is the
     * start of a stop string, or replacement characters of a UTF-8 sequence still incomplete.
     */
    int undecidedSuffix(String text) {
        int held = 0;
        for (String stop : stopTexts) {
            for (int k = Math.min(stop.length() - 1, text.length()); k > held; k--) {
                if (text.endsWith(stop.substring(0, k))) {
                    held = k;
                    break;
                }
            }
        }
        int replacement = 0;
        while (replacement < text.length()
                && text.charAt(text.length() - 1 - replacement) == REPLACEMENT) {
            replacement++;
        }
        return Math.max(held, replacement);
    }
}
