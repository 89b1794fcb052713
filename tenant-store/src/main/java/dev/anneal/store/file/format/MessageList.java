package dev.anneal.store.file.format;

/**
 * What the streaming pass found in one list of chat messages ({@code messages}, {@code
 * input.messages}, {@code preferred_output} or {@code non_preferred_output}): its length, whether
 * an assistant spoke, and the first message that breaks {@link MessageRules}. Reused line after
 * line; not thread-safe.
 */
final class MessageList {

    private final String path;
    private final boolean assistantOnly;
    private int size;
    private boolean hasAssistant;
    private LineViolation firstViolation;

    /**
     * @param path the list's path in the line, e.g. {@code input.messages}
     * @param assistantOnly whether every message must be from the assistant (preference outputs)
     */
    MessageList(String path, boolean assistantOnly) {
        this.path = path;
        this.assistantOnly = assistantOnly;
    }

    void clear() {
        size = 0;
        hasAssistant = false;
        firstViolation = null;
    }

    String path() {
        return path;
    }

    boolean assistantOnly() {
        return assistantOnly;
    }

    int size() {
        return size;
    }

    boolean hasAssistant() {
        return hasAssistant;
    }

    /** Whether a message already broke a rule; later messages need no checks. */
    boolean hasViolation() {
        return firstViolation != null;
    }

    /** Records the message at the next index: its violation, or {@code null} and its role. */
    void addMessage(LineViolation violation, boolean assistant) {
        size++;
        if (firstViolation == null) {
            firstViolation = violation;
            hasAssistant |= violation == null && assistant;
        }
    }

    /**
     * Fails with the first message's violation, as checking the messages in order would.
     *
     * @throws LineViolation if a message broke a rule
     */
    void requireValidMessages() {
        if (firstViolation != null) {
            throw firstViolation;
        }
    }
}
