package dev.anneal.tuner.tokenizer;

import dev.anneal.tuner.tokenizer.ChatMessage.Role;
import dev.anneal.tuner.tokenizer.ChatTemplate.Span;
import dev.anneal.tuner.tokenizer.jinja.PythonStrings;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Finds each assistant message in a conversation rendered by an arbitrary template, so that
 * fine-tuning computes its loss on the assistant's tokens only.
 *
 * <p>A template may write anything around a message, so the search is anchored by rendering: the
 * conversation up to an assistant message, with the generation prompt, is the text the model saw
 * before answering. When the full text starts with it, the answer is looked for after it; otherwise
 * after the previous answer. The answer is the message's content as written, or stripped of the
 * surrounding whitespace that templates such as Llama 3's and Gemma's trim, whichever comes first.
 * The span then extends over whitespace and an end-of-turn marker that follow, since the model must
 * learn to write them to stop. An empty answer is the marker alone. An answer the template does not
 * write verbatim (one it rewrites, such as a reasoning model's template dropping earlier thoughts)
 * gets no span: its tokens are not trained on.
 */
final class AssistantSpans {

    private AssistantSpans() {}

    /**
     * Locates the assistant spans.
     *
     * @param text the rendered conversation
     * @param messages the conversation
     * @param endMarkers the strings that may end an assistant turn
     * @param promptBefore renders the messages before an assistant message with the generation
     *     prompt, or returns {@code null} if the template refuses them
     * @return the spans, in order
     */
    static List<Span> locate(
            String text,
            List<ChatMessage> messages,
            List<String> endMarkers,
            Function<List<ChatMessage>, String> promptBefore) {
        List<String> markers = new ArrayList<>(endMarkers);
        markers.sort(Comparator.comparingInt(String::length).reversed());
        List<Span> spans = new ArrayList<>();
        int cursor = 0;
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i).role() != Role.ASSISTANT) {
                continue;
            }
            String prompt = promptBefore.apply(messages.subList(0, i));
            boolean anchored =
                    prompt != null && prompt.length() >= cursor && text.startsWith(prompt);
            int from = anchored ? prompt.length() : cursor;
            Span answer = find(text, messages.get(i).content(), from, anchored);
            if (answer == null) {
                continue;
            }
            int end = afterMarker(text, answer.end(), markers);
            if (end > answer.start()) {
                spans.add(new Span(answer.start(), end));
                cursor = end;
            }
        }
        return spans;
    }

    /** Where the content is written at or after {@code from}, or null. */
    private static Span find(String text, String content, int from, boolean anchored) {
        String stripped = PythonStrings.strip(content, null);
        if (stripped.isEmpty()) {
            return anchored ? new Span(from, from) : null;
        }
        Span best = null;
        for (String candidate : List.of(content, stripped)) {
            int at = text.indexOf(candidate, from);
            if (at >= 0 && (best == null || at < best.start())) {
                best = new Span(at, at + candidate.length());
            }
        }
        return best;
    }

    /** The end of the marker after {@code end} (past whitespace), or {@code end} if none. */
    private static int afterMarker(String text, int end, List<String> markers) {
        int at = end;
        while (at < text.length() && PythonStrings.isSpace(text.charAt(at))) {
            at++;
        }
        for (String marker : markers) {
            if (text.startsWith(marker, at)) {
                return at + marker.length();
            }
        }
        return end;
    }
}
