package dev.anneal.serving.structured;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Made-up vocabularies: every byte as a token (like byte-level BPE), then words, numbers, JSON
 * fragments, whitespace runs and non-ASCII text, like the merges of a real BPE vocabulary.
 */
final class SyntheticVocabulary {

    /** The special tokens come after the byte and text tokens: BOS, then EOS. */
    static final int SPECIALS = 2;

    private static final String[] FRAGMENTS = {
        "{\"", "\":", "\": ", "\",", "\", \"", "\"}", "\"]", "},", "}]", "]}", "}}", "[{", "[\"",
        "\":\"", "\": \"", "\":[", "\": [", "\":{", ",\"", ", \"", "true", "false", "null", "\\n",
        "\\\"", "\\u00", "\n ", "\n  ", "\n    ", "  ", "    ", "\t", "é", "ü", "中", "文", "😀",
        " café", "\"name", "\"age", "\"tags", "\"point", "name", "age"
    };

    private SyntheticVocabulary() {}

    /** The id of the end-of-sequence token in a vocabulary of {@code size}. */
    static long eos(int size) {
        return size - 1;
    }

    /**
     * A vocabulary of {@code size} tokens, the same for a size on every run.
     *
     * @param size at least 256 + the fragments + {@link #SPECIALS}
     * @return the vocabulary
     */
    static Vocabulary of(int size) {
        return Vocabulary.ofTokenBytes(tokenBytes(size), Set.of(eos(size)));
    }

    /** The tokens' bytes; specials are {@code null}. */
    static List<byte[]> tokenBytes(int size) {
        List<byte[]> tokens = new ArrayList<>(size);
        for (int b = 0; b < 256; b++) {
            tokens.add(new byte[] {(byte) b});
        }
        Set<String> texts = new LinkedHashSet<>(List.of(FRAGMENTS));
        SplittableRandom random = new SplittableRandom(size);
        while (texts.size() < size - 256 - SPECIALS) {
            texts.add(randomText(random));
        }
        for (String text : texts) {
            tokens.add(text.getBytes(StandardCharsets.UTF_8));
        }
        tokens.add(null); // BOS
        tokens.add(null); // EOS
        return tokens;
    }

    private static String randomText(SplittableRandom random) {
        int kind = random.nextInt(10);
        StringBuilder text = new StringBuilder();
        if (kind < 6) {
            // A word, most often after a space, sometimes capitalised: the bulk of a BPE
            // vocabulary.
            if (random.nextInt(3) > 0) {
                text.append(' ');
            }
            int length = 1 + random.nextInt(9);
            for (int i = 0; i < length; i++) {
                char c = (char) ('a' + random.nextInt(26));
                text.append(i == 0 && random.nextInt(4) == 0 ? Character.toUpperCase(c) : c);
            }
        } else if (kind == 6) {
            int length = 1 + random.nextInt(3);
            for (int i = 0; i < length; i++) {
                text.append((char) ('0' + random.nextInt(10)));
            }
        } else if (kind == 7) {
            String punctuation = "{}[]\":,.!?;-_()'\\/ \n";
            int length = 1 + random.nextInt(4);
            for (int i = 0; i < length; i++) {
                text.append(punctuation.charAt(random.nextInt(punctuation.length())));
            }
        } else if (kind == 8) {
            int length = 1 + random.nextInt(3);
            for (int i = 0; i < length; i++) {
                text.append((char) (0x4E00 + random.nextInt(0x5000)));
            }
        } else {
            int length = 1 + random.nextInt(6);
            for (int i = 0; i < length; i++) {
                text.append((char) (0xE0 + random.nextInt(0x20)));
            }
        }
        return text.toString();
    }
}
