package dev.anneal.api.completion;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anneal.api.error.ApiException;
import dev.anneal.api.error.ErrorType;
import java.util.ArrayList;
import java.util.List;

/**
 * The parameters both completion routes share, checked: every refusal names its parameter.
 *
 * @param model the model id
 * @param maxTokens the most new tokens asked for, or {@code null} for what the context leaves
 * @param temperature 0 to 2
 * @param topP in (0, 1]
 * @param n choices, 1 to 8
 * @param stop up to 4 non-empty stop strings
 * @param seed the sampling seed, or {@code null} for a random one
 * @param stream whether to answer with server-sent events
 * @param includeUsage whether a stream ends with a usage chunk
 * @param logprobs -1 for no log-probabilities, else how many alternatives to give per token
 */
record CompletionParams(
        String model,
        Integer maxTokens,
        float temperature,
        float topP,
        int n,
        List<String> stop,
        Long seed,
        boolean stream,
        boolean includeUsage,
        int logprobs) {

    static final int MAX_N = 8;
    static final int MAX_STOPS = 4;
    static final int MAX_TOP_LOGPROBS = 20;
    static final int MAX_TEXT_LOGPROBS = 5;

    /** Whether the answer carries log-probabilities. */
    boolean wantsLogprobs() {
        return logprobs >= 0;
    }

    /**
     * Chat's {@code logprobs} (a boolean) and {@code top_logprobs} (0 to 20, only with {@code
     * logprobs}), as the number of alternatives, -1 for none.
     */
    static int chatLogprobs(Boolean logprobs, Integer topLogprobs) {
        if (topLogprobs != null && (topLogprobs < 0 || topLogprobs > MAX_TOP_LOGPROBS)) {
            throw invalid(
                    "'top_logprobs' must be between 0 and " + MAX_TOP_LOGPROBS + ".",
                    "top_logprobs");
        }
        if (!Boolean.TRUE.equals(logprobs)) {
            if (topLogprobs != null) {
                throw invalid(
                        "'top_logprobs' is only allowed with 'logprobs': true.", "top_logprobs");
            }
            return -1;
        }
        return topLogprobs == null ? 0 : topLogprobs;
    }

    /** A text completion's {@code logprobs} (0 to 5 alternatives, as OpenAI), -1 for none. */
    static int textLogprobs(Integer logprobs) {
        if (logprobs == null) {
            return -1;
        }
        if (logprobs < 0 || logprobs > MAX_TEXT_LOGPROBS) {
            throw invalid(
                    "'logprobs' must be between 0 and " + MAX_TEXT_LOGPROBS + ".", "logprobs");
        }
        return logprobs;
    }

    /** Checks the shared parameters; {@code logprobs} comes checked by its route. */
    static CompletionParams of(
            String model,
            Integer maxTokens,
            String maxTokensParam,
            Double temperature,
            Double topP,
            Integer n,
            JsonNode stop,
            Long seed,
            Boolean stream,
            StreamOptions streamOptions,
            int logprobs) {
        if (model == null || model.isBlank()) {
            throw invalid("'model' is required.", "model", "missing_required_parameter");
        }
        if (maxTokens != null && maxTokens < 1) {
            throw invalid("'" + maxTokensParam + "' must be at least 1.", maxTokensParam);
        }
        double t = temperature == null ? 1.0 : temperature;
        if (!(t >= 0 && t <= 2)) {
            throw invalid("'temperature' must be between 0 and 2.", "temperature");
        }
        double p = topP == null ? 1.0 : topP;
        if (!(p > 0 && p <= 1)) {
            throw invalid("'top_p' must be greater than 0 and at most 1.", "top_p");
        }
        int choices = n == null ? 1 : n;
        if (choices < 1 || choices > MAX_N) {
            throw invalid("'n' must be between 1 and " + MAX_N + ".", "n");
        }
        boolean streamed = Boolean.TRUE.equals(stream);
        if (streamOptions != null && !streamed) {
            throw invalid(
                    "'stream_options' is only allowed with 'stream': true.", "stream_options");
        }
        boolean usage = streamOptions != null && Boolean.TRUE.equals(streamOptions.includeUsage());
        return new CompletionParams(
                model,
                maxTokens,
                (float) t,
                (float) p,
                choices,
                stops(stop),
                seed,
                streamed,
                usage,
                logprobs);
    }

    private static List<String> stops(JsonNode stop) {
        List<String> stops = new ArrayList<>();
        if (stop == null || stop.isNull()) {
            return stops;
        }
        if (stop.isTextual()) {
            stops.add(stop.asText());
        } else if (stop.isArray() && stop.size() <= MAX_STOPS) {
            for (JsonNode s : stop) {
                if (!s.isTextual()) {
                    throw invalid("'stop' must be a string or an array of strings.", "stop");
                }
                stops.add(s.asText());
            }
        } else {
            throw invalid(
                    "'stop' must be a string or an array of at most " + MAX_STOPS + " strings.",
                    "stop");
        }
        if (stops.stream().anyMatch(String::isEmpty)) {
            throw invalid("'stop' must not hold an empty string.", "stop");
        }
        return List.copyOf(stops);
    }

    /** Refuses a parameter serving cannot honour, if it is set (not null, false, 0 or empty). */
    static void refuseIfSet(String param, Object value) {
        boolean set =
                value != null
                        && !(value instanceof JsonNode node
                                && (node.isNull() || (node.isContainerNode() && node.isEmpty())))
                        && !Boolean.FALSE.equals(value)
                        && !(value instanceof Number number && number.doubleValue() == 0);
        if (set) {
            throw unsupported(param);
        }
    }

    static ApiException unsupported(String param) {
        return new ApiException(
                400,
                ErrorType.INVALID_REQUEST,
                "'" + param + "' is not supported by this server.",
                param,
                "unsupported_parameter");
    }

    static ApiException invalid(String message, String param) {
        return invalid(message, param, "invalid_value");
    }

    static ApiException invalid(String message, String param, String code) {
        return new ApiException(400, ErrorType.INVALID_REQUEST, message, param, code);
    }
}
