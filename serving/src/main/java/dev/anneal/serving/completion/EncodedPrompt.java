package dev.anneal.serving.completion;

/**
 * A {@link Prompt} encoded by one served model's tokenizer: made by {@link
 * dev.anneal.serving.ServedModel#encode}, submitted to the same model.
 *
 * @param prompt what was encoded
 * @param ids its token ids, chat template and special tokens included
 * @param text the ids decoded back, special tokens left out: where a text completion's {@code
 *     text_offset} starts counting
 */
public record EncodedPrompt(Prompt prompt, long[] ids, String text) {

    /** The prompt's length in tokens. */
    public int length() {
        return ids.length;
    }

    /** Whether the prompt is a conversation, so that its answer ends at the end of the turn. */
    public boolean chat() {
        return prompt instanceof Prompt.Chat;
    }
}
