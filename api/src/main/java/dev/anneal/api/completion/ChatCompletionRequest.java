package dev.anneal.api.completion;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The body of {@code POST /v1/chat/completions}, OpenAI's fields. Those that change nothing here
 * ({@code store}, {@code metadata}, {@code parallel_tool_calls}, {@code user}, {@code
 * service_tier}) are accepted and ignored; the others serving cannot honour are refused by {@link
 * CompletionParams}, naming them.
 */
public record ChatCompletionRequest(
        String model,
        List<Message> messages,
        Integer maxCompletionTokens,
        Integer maxTokens,
        Double temperature,
        Double topP,
        Integer n,
        JsonNode stop,
        Long seed,
        Boolean stream,
        StreamOptions streamOptions,
        Boolean logprobs,
        Integer topLogprobs,
        JsonNode responseFormat,
        String user,
        Boolean store,
        JsonNode metadata,
        Boolean parallelToolCalls,
        String serviceTier,
        Double presencePenalty,
        Double frequencyPenalty,
        JsonNode logitBias,
        JsonNode tools,
        JsonNode toolChoice,
        JsonNode functions,
        JsonNode functionCall,
        JsonNode audio,
        JsonNode modalities,
        JsonNode prediction,
        JsonNode reasoningEffort,
        JsonNode webSearchOptions) {

    /**
     * One message.
     *
     * @param role {@code system}, {@code developer}, {@code user} or {@code assistant}
     * @param content a string, or an array of {@code {"type": "text", "text": ...}} parts
     * @param name a participant's name, accepted and ignored
     * @param toolCalls refused
     * @param toolCallId refused
     * @param refusal accepted and ignored
     */
    public record Message(
            String role,
            JsonNode content,
            String name,
            JsonNode toolCalls,
            String toolCallId,
            String refusal) {}
}
