package dev.anneal.api.completion;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anneal.api.auth.TenantAccess;
import dev.anneal.serving.ConstraintFactory;
import dev.anneal.serving.completion.Prompt;
import dev.anneal.serving.structured.StructuredOutput;
import dev.anneal.serving.structured.UnsupportedSchemaException;
import dev.anneal.store.apikey.Scope;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * OpenAI's chat completions for the calling tenant's models: the conversation is rendered by the
 * model's chat template, and the answer stops at its end-of-turn marker or a {@code stop} string.
 */
@TenantAccess(Scope.INFERENCE)
@Path("/v1/chat/completions")
@Tag(name = "Completions")
public class ChatCompletionsResource {

    private final CompletionRunner runner;

    @Inject
    ChatCompletionsResource(CompletionRunner runner) {
        this.runner = runner;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    // JSON or server-sent events, as each answer's Content-Type says (see StreamingRoutes)
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Blocking
    @Operation(summary = "Answer a conversation; with stream=true as server-sent events")
    public RestMulti<byte[]> create(ChatCompletionRequest request) {
        runner.requireServeRole();
        if (request == null) {
            throw CompletionParams.invalid("The request body is required.", null);
        }
        refuseUnsupported(request);
        Integer maxTokens =
                request.maxCompletionTokens() != null
                        ? request.maxCompletionTokens()
                        : request.maxTokens();
        CompletionParams params =
                CompletionParams.of(
                        request.model(),
                        maxTokens,
                        request.maxCompletionTokens() != null
                                ? "max_completion_tokens"
                                : "max_tokens",
                        request.temperature(),
                        request.topP(),
                        request.n(),
                        request.stop(),
                        request.seed(),
                        request.stream(),
                        request.streamOptions(),
                        CompletionParams.chatLogprobs(request.logprobs(), request.topLogprobs()));
        Prompt.Chat prompt = new Prompt.Chat(messages(request.messages()));
        ConstraintFactory constraints = constraints(request.responseFormat());
        return runner.run(params, CompletionShape.CHAT, prompt, "messages", constraints);
    }

    private static void refuseUnsupported(ChatCompletionRequest r) {
        CompletionParams.refuseIfSet("tools", r.tools());
        CompletionParams.refuseIfSet("tool_choice", r.toolChoice());
        CompletionParams.refuseIfSet("functions", r.functions());
        CompletionParams.refuseIfSet("function_call", r.functionCall());
        CompletionParams.refuseIfSet("audio", r.audio());
        CompletionParams.refuseIfSet("prediction", r.prediction());
        CompletionParams.refuseIfSet("reasoning_effort", r.reasoningEffort());
        CompletionParams.refuseIfSet("web_search_options", r.webSearchOptions());
        CompletionParams.refuseIfSet("logit_bias", r.logitBias());
        CompletionParams.refuseIfSet("presence_penalty", r.presencePenalty());
        CompletionParams.refuseIfSet("frequency_penalty", r.frequencyPenalty());
        if (r.modalities() != null && !r.modalities().isNull()) {
            for (JsonNode modality : r.modalities()) {
                if (!"text".equals(modality.asText())) {
                    throw CompletionParams.unsupported("modalities");
                }
            }
        }
    }

    /** The conversation; {@code developer} speaks as {@code system}. */
    private static List<Prompt.Message> messages(List<ChatCompletionRequest.Message> input) {
        if (input == null || input.isEmpty()) {
            throw CompletionParams.invalid(
                    "'messages' must hold at least one message.", "messages");
        }
        List<Prompt.Message> messages = new ArrayList<>();
        for (int i = 0; i < input.size(); i++) {
            ChatCompletionRequest.Message message = input.get(i);
            String at = "messages[" + i + "]";
            if (message == null) {
                throw CompletionParams.invalid("A message must be an object.", at);
            }
            CompletionParams.refuseIfSet(at + ".tool_calls", message.toolCalls());
            String role = message.role() == null ? "" : message.role().toLowerCase(Locale.ROOT);
            Prompt.Role chatRole =
                    switch (role) {
                        case "system", "developer" -> Prompt.Role.SYSTEM;
                        case "user" -> Prompt.Role.USER;
                        case "assistant" -> Prompt.Role.ASSISTANT;
                        case "tool", "function" -> throw CompletionParams.unsupported(at + ".role");
                        default ->
                                throw CompletionParams.invalid(
                                        "'"
                                                + at
                                                + ".role' must be system, developer, user or"
                                                + " assistant.",
                                        at + ".role");
                    };
            messages.add(new Prompt.Message(chatRole, content(message.content(), at + ".content")));
        }
        return messages;
    }

    /** A string, or the text of an array of text parts, joined by newlines. */
    private static String content(JsonNode content, String at) {
        if (content == null || content.isNull()) {
            throw CompletionParams.invalid("'" + at + "' is required.", at);
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (!content.isArray()) {
            throw CompletionParams.invalid(
                    "'" + at + "' must be a string or an array of text parts.", at);
        }
        List<String> texts = new ArrayList<>();
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String type = part.path("type").asText("");
            if (!type.equals("text")) {
                if (type.isEmpty()) {
                    throw CompletionParams.invalid(
                            "'" + at + "[" + j + "].type' is required.", at + "[" + j + "].type");
                }
                throw CompletionParams.unsupported(at + "[" + j + "].type");
            }
            if (!part.path("text").isTextual()) {
                throw CompletionParams.invalid(
                        "'" + at + "[" + j + "].text' must be a string.", at + "[" + j + "].text");
            }
            texts.add(part.path("text").asText());
        }
        return String.join("\n", texts);
    }

    /**
     * The constraint of {@code response_format}: none for {@code text}; for {@code json_object} and
     * {@code json_schema}, decoding constrained token by token to valid JSON (and to the schema),
     * checked here before anything is queued.
     */
    private static ConstraintFactory constraints(JsonNode responseFormat) {
        if (responseFormat == null || responseFormat.isNull()) {
            return null;
        }
        String type = responseFormat.path("type").asText("");
        return switch (type) {
            case "text" -> null;
            case "json_object" -> StructuredOutput.jsonObjectConstraints();
            case "json_schema" -> schemaConstraints(responseFormat.path("json_schema"));
            default ->
                    throw CompletionParams.invalid(
                            "'response_format.type' must be text, json_object or json_schema.",
                            "response_format.type");
        };
    }

    private static ConstraintFactory schemaConstraints(JsonNode jsonSchema) {
        JsonNode schema = jsonSchema.get("schema");
        if (schema == null || !schema.isObject()) {
            throw CompletionParams.invalid(
                    "'response_format.json_schema.schema' must be a JSON schema object.",
                    "response_format.json_schema.schema");
        }
        try {
            return StructuredOutput.jsonSchemaConstraints(schema);
        } catch (UnsupportedSchemaException e) {
            String param =
                    "response_format.json_schema.schema"
                            + (e.path().isEmpty() ? "" : "." + e.path());
            String reason =
                    e.path().isEmpty()
                            ? e.getMessage()
                            : e.getMessage().substring(e.path().length() + 2);
            throw CompletionParams.invalid("'" + param + "': " + reason + ".", param);
        }
    }
}
