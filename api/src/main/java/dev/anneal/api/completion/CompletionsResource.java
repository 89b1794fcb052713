package dev.anneal.api.completion;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anneal.api.auth.TenantAccess;
import dev.anneal.serving.completion.Prompt;
import dev.anneal.store.apikey.Scope;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * OpenAI's (legacy) text completions for the calling tenant's models: the prompt is encoded as it
 * is, with the tokenizer's special tokens (BOS for LLaMA), and continued.
 */
@TenantAccess(Scope.INFERENCE)
@Path("/v1/completions")
@Tag(name = "Completions")
public class CompletionsResource {

    private final CompletionRunner runner;

    @Inject
    CompletionsResource(CompletionRunner runner) {
        this.runner = runner;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    // JSON or server-sent events, as each answer's Content-Type says (see StreamingRoutes)
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Blocking
    @Operation(summary = "Continue a prompt; with stream=true as server-sent events")
    public RestMulti<byte[]> create(TextCompletionRequest request) {
        runner.requireServeRole();
        if (request == null) {
            throw CompletionParams.invalid("The request body is required.", null);
        }
        CompletionParams.refuseIfSet("echo", request.echo());
        CompletionParams.refuseIfSet("suffix", request.suffix());
        CompletionParams.refuseIfSet("logit_bias", request.logitBias());
        CompletionParams.refuseIfSet("presence_penalty", request.presencePenalty());
        CompletionParams.refuseIfSet("frequency_penalty", request.frequencyPenalty());
        if (request.bestOf() != null && request.bestOf() != 1) {
            throw CompletionParams.unsupported("best_of");
        }
        CompletionParams params =
                CompletionParams.of(
                        request.model(),
                        request.maxTokens(),
                        "max_tokens",
                        request.temperature(),
                        request.topP(),
                        request.n(),
                        request.stop(),
                        request.seed(),
                        request.stream(),
                        request.streamOptions(),
                        CompletionParams.textLogprobs(request.logprobs()));
        Prompt.Text prompt = new Prompt.Text(prompt(request.prompt()));
        return runner.run(params, CompletionShape.TEXT, prompt, "prompt", null);
    }

    /** A string, or an array of exactly one string. */
    private static String prompt(JsonNode prompt) {
        if (prompt == null || prompt.isNull()) {
            throw CompletionParams.invalid(
                    "'prompt' is required.", "prompt", "missing_required_parameter");
        }
        if (prompt.isTextual()) {
            return prompt.asText();
        }
        if (prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
            return prompt.get(0).asText();
        }
        if (prompt.isArray() && prompt.size() > 1) {
            throw CompletionParams.unsupported("prompt");
        }
        throw CompletionParams.invalid("'prompt' must be a string.", "prompt");
    }
}
