package dev.anneal.api.completion;

import dev.anneal.serving.completion.SequenceResult;
import dev.anneal.serving.completion.TokenLogprobs;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The objects OpenAI answers with, for chat ({@code chat.completion}) and text completions. */
enum CompletionShape {
    CHAT("chatcmpl-", "chat.completion", "chat.completion.chunk"),
    TEXT("cmpl-", "text_completion", "text_completion");

    private final String idPrefix;
    private final String object;
    private final String chunkObject;

    CompletionShape(String idPrefix, String object, String chunkObject) {
        this.idPrefix = idPrefix;
        this.object = object;
        this.chunkObject = chunkObject;
    }

    boolean chat() {
        return this == CHAT;
    }

    String idPrefix() {
        return idPrefix;
    }

    /**
     * The whole answer of a request that did not stream.
     *
     * @param logprobs each choice's log-probabilities, one per generated token, or {@code null}
     * @param promptChars where a text completion's {@code text_offset} starts
     */
    Map<String, Object> completion(
            CompletionRunner.Header header,
            SequenceResult[] results,
            List<List<TokenLogprobs>> logprobs,
            int promptTokens,
            int promptChars) {
        List<Object> choices = new ArrayList<>();
        int completionTokens = 0;
        for (int i = 0; i < results.length; i++) {
            Map<String, Object> choice = new LinkedHashMap<>();
            choice.put("index", i);
            if (chat()) {
                Map<String, Object> message = new LinkedHashMap<>();
                message.put("role", "assistant");
                message.put("content", results[i].text());
                message.put("refusal", null);
                choice.put("message", message);
            } else {
                choice.put("text", results[i].text());
            }
            choice.put(
                    "logprobs", logprobs == null ? null : logprobs(logprobs.get(i), promptChars));
            choice.put("finish_reason", finishReason(results[i]));
            choices.add(choice);
            completionTokens += results[i].completionTokens();
        }
        Map<String, Object> body = start(header, object);
        body.put("choices", choices);
        body.put("usage", usage(promptTokens, completionTokens));
        return body;
    }

    /** The chunk that opens a choice's stream: for chat, the assistant's role. */
    Map<String, Object> firstChunk(CompletionRunner.Header header, int choice) {
        Map<String, Object> delta = new LinkedHashMap<>();
        delta.put("role", "assistant");
        delta.put("content", "");
        return chunk(header, choice, chat() ? delta : "", null, null);
    }

    /** A chunk of new text, with its tokens' {@link #logprobs} or {@code null}. */
    Map<String, Object> deltaChunk(
            CompletionRunner.Header header, int choice, String text, Object logprobs) {
        return chunk(header, choice, chat() ? Map.of("content", text) : text, logprobs, null);
    }

    /**
     * The last chunk of a choice, with its finish reason and the {@link #logprobs} of the tokens
     * that added no text (an end-of-turn token, a stop string), or {@code null}.
     */
    Map<String, Object> finishChunk(
            CompletionRunner.Header header, int choice, SequenceResult result, Object logprobs) {
        return chunk(header, choice, chat() ? Map.of() : "", logprobs, finishReason(result));
    }

    /**
     * A choice's {@code logprobs} object for some of its tokens, in OpenAI's shape: for chat {@code
     * {"content": [{token, logprob, bytes, top_logprobs}]}}; for text completions {@code {tokens,
     * token_logprobs, top_logprobs: [{token: logprob}], text_offset}}. The values are the
     * log-softmax of the model's raw logits (see {@link TokenLogprobs}).
     *
     * @param tokens the tokens' log-probabilities, in order
     * @param textOffset the first token's {@code text_offset} (text completions)
     */
    Object logprobs(List<TokenLogprobs> tokens, int textOffset) {
        if (chat()) {
            List<Object> content = new ArrayList<>(tokens.size());
            for (TokenLogprobs token : tokens) {
                Map<String, Object> entry = chatToken(token.chosen());
                List<Object> top = new ArrayList<>(token.top().size());
                token.top().forEach(t -> top.add(chatToken(t)));
                entry.put("top_logprobs", top);
                content.add(entry);
            }
            Map<String, Object> logprobs = new LinkedHashMap<>();
            logprobs.put("content", content);
            logprobs.put("refusal", null);
            return logprobs;
        }
        List<String> texts = new ArrayList<>(tokens.size());
        List<Double> values = new ArrayList<>(tokens.size());
        List<Map<String, Double>> tops = new ArrayList<>(tokens.size());
        List<Integer> offsets = new ArrayList<>(tokens.size());
        int offset = textOffset;
        for (TokenLogprobs token : tokens) {
            texts.add(token.chosen().text());
            values.add(token.chosen().logprob());
            Map<String, Double> top = new LinkedHashMap<>();
            // two ids may read the same: keep the likelier, as it comes first
            token.top().forEach(t -> top.putIfAbsent(t.text(), t.logprob()));
            tops.add(top);
            offsets.add(offset);
            offset += token.chosen().text().length();
        }
        Map<String, Object> logprobs = new LinkedHashMap<>();
        logprobs.put("tokens", texts);
        logprobs.put("token_logprobs", values);
        logprobs.put("top_logprobs", tops);
        logprobs.put("text_offset", offsets);
        return logprobs;
    }

    /** How far the tokens' text advances {@code text_offset}. */
    static int textLength(List<TokenLogprobs> tokens) {
        int length = 0;
        for (TokenLogprobs token : tokens) {
            length += token.chosen().text().length();
        }
        return length;
    }

    private static Map<String, Object> chatToken(TokenLogprobs.Token token) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("token", token.text());
        entry.put("logprob", token.logprob());
        byte[] utf8 = token.text().getBytes(StandardCharsets.UTF_8);
        List<Integer> bytes = new ArrayList<>(utf8.length);
        for (byte b : utf8) {
            bytes.add(b & 0xff);
        }
        entry.put("bytes", bytes);
        return entry;
    }

    /** The extra chunk of {@code stream_options.include_usage}: no choices, the usage. */
    Map<String, Object> usageChunk(
            CompletionRunner.Header header, int promptTokens, int completionTokens) {
        Map<String, Object> body = start(header, chunkObject);
        body.put("choices", List.of());
        body.put("usage", usage(promptTokens, completionTokens));
        return body;
    }

    private Map<String, Object> chunk(
            CompletionRunner.Header header,
            int index,
            Object content,
            Object logprobs,
            String finishReason) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", index);
        choice.put(chat() ? "delta" : "text", content);
        choice.put("logprobs", logprobs);
        choice.put("finish_reason", finishReason);
        Map<String, Object> body = start(header, chunkObject);
        body.put("choices", List.of(choice));
        return body;
    }

    private static Map<String, Object> start(CompletionRunner.Header header, String object) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", header.id());
        body.put("object", object);
        body.put("created", header.created());
        body.put("model", header.model());
        return body;
    }

    /** {@code stop} for an end-of-turn token or a stop string, {@code length} otherwise. */
    private static String finishReason(SequenceResult result) {
        return result.finishReason() == SequenceResult.FinishReason.LENGTH ? "length" : "stop";
    }

    private static Map<String, Object> usage(int promptTokens, int completionTokens) {
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        return usage;
    }
}
