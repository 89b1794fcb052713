package dev.anneal.tuner.tokenizer;

import java.util.Locale;
import java.util.Objects;

/**
 * One turn of a conversation.
 *
 * @param role who speaks
 * @param content what is said
 */
public record ChatMessage(Role role, String content) {

    /** Who speaks a turn. */
    public enum Role {
        /** Instructions that frame the conversation. */
        SYSTEM,
        /** The person asking. */
        USER,
        /** The model answering: the tokens a chat fine-tune trains on. */
        ASSISTANT;

        /** The role's name in chat templates: {@code system}, {@code user}, {@code assistant}. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Validates the message. */
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    /** A system message. */
    public static ChatMessage system(String content) {
        return new ChatMessage(Role.SYSTEM, content);
    }

    /** A user message. */
    public static ChatMessage user(String content) {
        return new ChatMessage(Role.USER, content);
    }

    /** An assistant message. */
    public static ChatMessage assistant(String content) {
        return new ChatMessage(Role.ASSISTANT, content);
    }
}
