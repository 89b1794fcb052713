package dev.anneal.api.completion;

import dev.anneal.tuner.generate.GenerationResult;
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

    /** The whole answer of a request that did not stream. */
    Map<String, Object> completion(
            CompletionRunner.Header header, GenerationResult[] results, int promptTokens) {
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
            choice.put("logprobs", null);
            choice.put("finish_reason", finishReason(results[i]));
            choices.add(choice);
            completionTokens += results[i].generatedIds().length;
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
        return chunk(header, choice, chat() ? delta : "", null);
    }

    /** A chunk of new text. */
    Map<String, Object> deltaChunk(CompletionRunner.Header header, int choice, String text) {
        return chunk(header, choice, chat() ? Map.of("content", text) : text, null);
    }

    /** The last chunk of a choice, with its finish reason. */
    Map<String, Object> finishChunk(
            CompletionRunner.Header header, int choice, GenerationResult result) {
        return chunk(header, choice, chat() ? Map.of() : "", finishReason(result));
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
            CompletionRunner.Header header, int index, Object content, String finishReason) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", index);
        choice.put(chat() ? "delta" : "text", content);
        choice.put("logprobs", null);
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
    private static String finishReason(GenerationResult result) {
        return result.finishReason() == GenerationResult.FinishReason.LENGTH ? "length" : "stop";
    }

    private static Map<String, Object> usage(int promptTokens, int completionTokens) {
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        return usage;
    }
}
