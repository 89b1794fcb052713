package dev.anneal.tuner.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The shape of a dataset line, and the one rule that tells it from the line's keys: the upload
 * validation and the engine both call {@link #detect}, so that a file is read the same way when it
 * is accepted and when it is trained on.
 */
public enum LineFormat {
    /** {@code {"messages":[{"role":"user","content":"…"},…]}}. */
    CHAT("chat", "{\"messages\": [...]}", Set.of("messages")),
    /** {@code {"prompt":"…","completion":"…"}}. */
    PROMPT_COMPLETION("prompt_completion", "{\"prompt\", \"completion\"}", Set.of("completion")),
    /**
     * {@code {"input":{"messages":[…]},"preferred_output":[…],"non_preferred_output":[…]}} or
     * {@code {"prompt":"…","chosen":"…","rejected":"…"}}.
     */
    PREFERENCE(
            "preference",
            "{\"input\", \"preferred_output\", \"non_preferred_output\"}"
                    + " or {\"prompt\", \"chosen\", \"rejected\"}",
            Set.of("input", "preferred_output", "non_preferred_output", "chosen", "rejected")),
    /** {@code {"text":"…"}}. */
    TEXT("text", "{\"text\"}", Set.of("text"));

    /** The message for a line that has the keys of no format. */
    public static final String NO_FORMAT =
            "matches no dataset format: expected "
                    + CHAT.shape
                    + " (chat), "
                    + "{\"prompt\", \"completion\"} (prompt_completion), "
                    + PREFERENCE.shape
                    + " (preference), or {\"text\"} (text)";

    /** {@link #values()} without a copy per call. */
    private static final LineFormat[] ALL = values();

    private final String wireName;
    private final String shape;
    private final Set<String> distinctiveKeys;

    LineFormat(String wireName, String shape, Set<String> distinctiveKeys) {
        this.wireName = wireName;
        this.shape = shape;
        this.distinctiveKeys = distinctiveKeys;
    }

    /** The name in recipes and in the API, e.g. {@code prompt_completion}. */
    public String wireName() {
        return wireName;
    }

    /**
     * The format a line has, told by its keys.
     *
     * <p>Each format has keys that no other format has ({@code messages}; {@code completion};
     * {@code input}, {@code preferred_output}, {@code non_preferred_output}, {@code chosen}, {@code
     * rejected}; {@code text}); one of them is enough, so that a line with a typo or a wrong type
     * elsewhere is still checked against its format's rules and gets a precise error. A line with
     * the keys of two formats is refused rather than guessed. A line with only {@code prompt} (the
     * start of both a prompt-completion and a flat preference line) takes the file's format when
     * that is preference, and is prompt-completion otherwise.
     *
     * @param hasKey whether the line has a top-level key
     * @param fileFormat the format of the file's lines so far, or {@code null}
     * @return the line's format
     * @throws InvalidTrainingDataException if the line has the keys of no format, or of two
     */
    public static LineFormat detect(Predicate<String> hasKey, LineFormat fileFormat) {
        // Loops rather than streams: this runs for every line of every upload and training file.
        LineFormat match = null;
        for (LineFormat format : ALL) {
            if (format.hasDistinctiveKey(hasKey)) {
                if (match != null) {
                    throw new InvalidTrainingDataException(null, ambiguous(matches(hasKey)));
                }
                match = format;
            }
        }
        if (match != null) {
            return match;
        }
        if (hasKey.test("prompt")) {
            return fileFormat == PREFERENCE ? PREFERENCE : PROMPT_COMPLETION;
        }
        throw new InvalidTrainingDataException(null, NO_FORMAT);
    }

    private boolean hasDistinctiveKey(Predicate<String> hasKey) {
        for (String key : distinctiveKeys) {
            if (hasKey.test(key)) {
                return true;
            }
        }
        return false;
    }

    private static List<LineFormat> matches(Predicate<String> hasKey) {
        List<LineFormat> matches = new ArrayList<>(ALL.length);
        for (LineFormat format : ALL) {
            if (format.hasDistinctiveKey(hasKey)) {
                matches.add(format);
            }
        }
        return matches;
    }

    private static String ambiguous(List<LineFormat> matches) {
        StringBuilder message = new StringBuilder("fits more than one dataset format: ");
        for (int i = 0; i < matches.size(); i++) {
            LineFormat format = matches.get(i);
            message.append(i == 0 ? "" : i == matches.size() - 1 ? " and " : ", ")
                    .append(format.wireName)
                    .append(" (")
                    .append(format.shape)
                    .append(')');
        }
        return message.append("; a line has the keys of one format only").toString();
    }

    /**
     * The format with this wire name.
     *
     * @throws IllegalArgumentException when no format has this name
     */
    public static LineFormat fromWireName(String wireName) {
        Objects.requireNonNull(wireName, "wireName");
        for (LineFormat format : values()) {
            if (format.wireName.equals(wireName)) {
                return format;
            }
        }
        throw new IllegalArgumentException(
                "unknown dataset format '"
                        + wireName
                        + "': expected one of chat, prompt_completion, preference, text");
    }
}
