package dev.anneal.serving.completion;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What a completion continues: a conversation, rendered by the model's chat template, or a text.
 */
public sealed interface Prompt {

    /**
     * A conversation to answer as the assistant.
     *
     * @param messages the turns, in order, at least one
     */
    record Chat(List<Message> messages) implements Prompt {

        /** Copies and validates the turns. */
        public Chat {
            messages = List.copyOf(messages);
            if (messages.isEmpty()) {
                throw new IllegalArgumentException("A conversation needs at least one message");
            }
        }
    }

    /**
     * A text to continue, encoded as it is with the tokenizer's special tokens (BOS for LLaMA).
     *
     * @param text the prompt
     */
    record Text(String text) implements Prompt {

        /** Validates the text. */
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * One turn of a conversation.
     *
     * @param role who speaks
     * @param content what is said
     */
    record Message(Role role, String content) {

        /** Validates the message. */
        public Message {
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(content, "content");
        }
    }

    /** Who speaks a turn. */
    enum Role {
        /**
         * Instructions that frame the conversation (OpenAI's {@code system} and {@code developer}).
         */
        SYSTEM,
        /** The person asking. */
        USER,
        /** The model answering. */
        ASSISTANT;

        /** The role's name on the wire: {@code system}, {@code user}, {@code assistant}. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
