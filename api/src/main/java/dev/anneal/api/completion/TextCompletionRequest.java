package dev.anneal.api.completion;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The body of {@code POST /v1/completions}, OpenAI's (legacy) fields. {@code prompt} is a string,
 * or an array of one string.
 */
public record TextCompletionRequest(
        String model,
        JsonNode prompt,
        Integer maxTokens,
        Double temperature,
        Double topP,
        Integer n,
        JsonNode stop,
        Long seed,
        Boolean stream,
        StreamOptions streamOptions,
        Integer logprobs,
        Boolean echo,
        Integer bestOf,
        String suffix,
        String user,
        Double presencePenalty,
        Double frequencyPenalty,
        JsonNode logitBias) {}
