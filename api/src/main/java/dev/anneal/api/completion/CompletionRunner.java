package dev.anneal.api.completion;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.api.error.ApiException;
import dev.anneal.api.error.ErrorResponse;
import dev.anneal.api.error.ErrorType;
import dev.anneal.serving.ConstraintFactory;
import dev.anneal.serving.ModelNotFoundException;
import dev.anneal.serving.ModelRef;
import dev.anneal.serving.ServedModel;
import dev.anneal.serving.ServingEngine;
import dev.anneal.serving.ServingException;
import dev.anneal.serving.ServingOverloadedException;
import dev.anneal.serving.completion.CompletionListener;
import dev.anneal.serving.completion.CompletionTrace;
import dev.anneal.serving.completion.EncodedPrompt;
import dev.anneal.serving.completion.Prompt;
import dev.anneal.serving.completion.Sampling;
import dev.anneal.serving.completion.SequenceResult;
import dev.anneal.serving.completion.TokenLogprobs;
import dev.anneal.serving.scheduler.Completion;
import dev.anneal.serving.structured.MaxTokensTooSmallException;
import dev.anneal.store.Roles;
import dev.anneal.store.tenant.CurrentTenant;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * What both completion routes do once their request is read: checks the {@code serve} role,
 * resolves the model for the caller, encodes the prompt, clips {@code max_tokens} to the context,
 * submits one sequence per choice and answers with the whole result or a stream of chunks.
 *
 * <p>Streams: each sequence's listener puts its events on one queue, which the response's writer
 * drains; a client that goes away makes the next write fail, and every sequence of the request is
 * then cancelled, freeing its place within one scheduler step.
 *
 * <p>Every request whose sequences were submitted logs one line at INFO when it ends, finished,
 * failed or cancelled ({@link CompletionTrace}: model, tokens, finish reasons, times; never the
 * text), on the request's thread, so that the logging context names its request and tenant.
 */
@ApplicationScoped
public class CompletionRunner {

    private static final Logger LOG = Logger.getLogger(CompletionRunner.class);
    private static final long KEEP_ALIVE_MS = 15_000;
    private static final long MAX_WAIT_MINUTES = 30;

    private final ServingEngine engine;
    private final Roles roles;
    private final CurrentTenant tenant;
    private final ObjectMapper json;

    @Inject
    CompletionRunner(ServingEngine engine, Roles roles, CurrentTenant tenant, ObjectMapper json) {
        this.engine = engine;
        this.roles = roles;
        this.tenant = tenant;
        this.json = json;
    }

    /** Refuses the request when this process does not serve completions. */
    void requireServeRole() {
        if (!roles.runs(Roles.SERVE)) {
            throw new ApiException(
                    503,
                    ErrorType.SERVER,
                    "This process does not run the '"
                            + Roles.SERVE
                            + "' role (ANNEAL_ROLES); send completions to one that does.",
                    null,
                    "serving_unavailable");
        }
    }

    /**
     * Runs a completion request.
     *
     * @param params the checked parameters
     * @param shape chat or text completion
     * @param prompt the prompt
     * @param promptParam the parameter that holds it, for errors
     * @param constraints the structured-output constraint, or {@code null}
     * @return the response: JSON, or server-sent events
     */
    Response run(
            CompletionParams params,
            CompletionShape shape,
            Prompt prompt,
            String promptParam,
            ConstraintFactory constraints) {
        long started = System.nanoTime();
        ServedModel model;
        try {
            model = engine.open(tenant.require(), params.model());
        } catch (ServingException e) {
            throw toApi(e);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not load model " + params.model(), e);
        }
        EncodedPrompt encoded = model.encode(prompt);
        int context = model.contextLength();
        if (encoded.length() >= context) {
            throw CompletionParams.invalid(
                    "This model's maximum context length is "
                            + context
                            + " tokens; the prompt has "
                            + encoded.length()
                            + ". Shorten it.",
                    promptParam,
                    "context_length_exceeded");
        }
        if (encoded.length() == 0) {
            throw CompletionParams.invalid("The prompt is empty.", promptParam);
        }
        int room = context - encoded.length();
        int maxTokens = params.maxTokens() == null ? room : Math.min(params.maxTokens(), room);
        long seed = params.seed() != null ? params.seed() : ThreadLocalRandom.current().nextLong();
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        List<Completion> running = new ArrayList<>();
        CompletionTrace trace =
                new CompletionTrace(
                        started,
                        params.model(),
                        baseModelId(model.ref()),
                        encoded.length(),
                        params.n(),
                        params.stream());
        try {
            Sampling sampling =
                    new Sampling(
                            maxTokens,
                            params.temperature(),
                            params.topP(),
                            params.stop(),
                            params.logprobs(),
                            seed);
            for (int i = 0; i < params.n(); i++) {
                running.add(
                        model.submit(
                                encoded,
                                sampling.withSeed(seed + i),
                                constraints,
                                new Listener(i, events, trace)));
            }
        } catch (MaxTokensTooSmallException e) {
            running.forEach(Completion::cancel);
            throw CompletionParams.invalid(e.getMessage() + ".", "max_tokens");
        } catch (ServingOverloadedException e) {
            running.forEach(Completion::cancel);
            return Response.status(429)
                    .type(MediaType.APPLICATION_JSON)
                    .header(HttpHeaders.RETRY_AFTER, e.retryAfterSeconds())
                    .entity(ErrorResponse.of(e.getMessage(), ErrorType.SERVER, null, e.code()))
                    .build();
        } catch (ServingException e) {
            running.forEach(Completion::cancel);
            throw toApi(e);
        } catch (IOException e) {
            running.forEach(Completion::cancel);
            throw new UncheckedIOException("Could not load model " + params.model(), e);
        }
        String id = shape.idPrefix() + UUID.randomUUID().toString().replace("-", "");
        long created = Instant.now().getEpochSecond();
        Header header = new Header(id, created, params.model());
        // text_offset counts from the start of the prompt, as OpenAI's does
        int promptChars = params.wantsLogprobs() && !shape.chat() ? encoded.text().length() : 0;
        if (params.stream()) {
            return Response.ok(
                            stream(
                                    shape,
                                    header,
                                    params,
                                    encoded.length(),
                                    promptChars,
                                    events,
                                    running,
                                    trace),
                            MediaType.SERVER_SENT_EVENTS)
                    .header(HttpHeaders.CACHE_CONTROL, "no-cache")
                    .header("X-Accel-Buffering", "no")
                    .build();
        }
        List<List<TokenLogprobs>> logprobs = params.wantsLogprobs() ? new ArrayList<>() : null;
        SequenceResult[] results;
        try {
            results = await(params.n(), events, running, logprobs);
        } catch (RuntimeException e) {
            LOG.info(trace.line(CompletionTrace.Outcome.FAILED));
            throw e;
        }
        LOG.info(trace.line(CompletionTrace.Outcome.FINISHED));
        return Response.ok(
                        shape.completion(header, results, logprobs, encoded.length(), promptChars),
                        MediaType.APPLICATION_JSON)
                .build();
    }

    /**
     * The base model a request runs on: the model itself, or the base its fine-tune (or the full
     * fine-tune under its LoRA adapters) came from.
     */
    private static String baseModelId(ModelRef ref) {
        ModelRef weights = ref instanceof ModelRef.Lora lora ? lora.root() : ref;
        return weights instanceof ModelRef.Full full ? full.baseModelId() : weights.modelId();
    }

    /** What every chunk and completion object starts with. */
    record Header(String id, long created, String model) {}

    /**
     * One sequence's event, as its listener queues it.
     *
     * @param logprobs with a delta or a result, the log-probabilities of the tokens since the
     *     previous event (empty when not asked)
     */
    private record Event(
            int choice,
            String delta,
            SequenceResult result,
            RuntimeException error,
            List<TokenLogprobs> logprobs) {}

    /**
     * Queues one sequence's events; never blocks the engine thread. Tokens whose text is held back
     * keep their log-probabilities until the next event, so each event carries those of the tokens
     * that made its text. Called on the engine thread only.
     */
    private static final class Listener implements CompletionListener {

        private final int choice;
        private final BlockingQueue<Event> events;
        private final CompletionTrace trace;
        private List<TokenLogprobs> pending = new ArrayList<>();

        private Listener(int choice, BlockingQueue<Event> events, CompletionTrace trace) {
            this.choice = choice;
            this.events = events;
            this.trace = trace;
        }

        @Override
        public void onToken(String textDelta, TokenLogprobs logprobs) {
            trace.onToken();
            if (logprobs != null) {
                pending.add(logprobs);
            }
            if (!textDelta.isEmpty()) {
                events.add(new Event(choice, textDelta, null, null, takePending()));
            }
        }

        @Override
        public void onFinish(SequenceResult result) {
            trace.onFinish(choice, result.finishReason());
            events.add(new Event(choice, null, result, null, takePending()));
        }

        @Override
        public void onError(RuntimeException error) {
            events.add(new Event(choice, null, null, error, List.of()));
        }

        private List<TokenLogprobs> takePending() {
            if (pending.isEmpty()) {
                return List.of();
            }
            List<TokenLogprobs> taken = pending;
            pending = new ArrayList<>();
            return taken;
        }
    }

    /**
     * Waits for every choice's result.
     *
     * @param logprobs filled with each choice's log-probabilities, one entry per generated token,
     *     or {@code null} when not asked
     */
    private static SequenceResult[] await(
            int n,
            BlockingQueue<Event> events,
            List<Completion> running,
            List<List<TokenLogprobs>> logprobs) {
        SequenceResult[] results = new SequenceResult[n];
        for (int i = 0; logprobs != null && i < n; i++) {
            logprobs.add(new ArrayList<>());
        }
        try {
            for (int done = 0; done < n; ) {
                Event event = events.poll(MAX_WAIT_MINUTES, TimeUnit.MINUTES);
                if (event == null) {
                    throw new IllegalStateException("No completion after " + MAX_WAIT_MINUTES);
                }
                if (event.error() != null) {
                    throw event.error();
                }
                if (logprobs != null) {
                    logprobs.get(event.choice()).addAll(event.logprobs());
                }
                if (event.result() != null) {
                    results[event.choice()] = event.result();
                    done++;
                }
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for a completion", e);
        } finally {
            running.forEach(Completion::cancel);
        }
    }

    private StreamingOutput stream(
            CompletionShape shape,
            Header header,
            CompletionParams params,
            int promptTokens,
            int promptChars,
            BlockingQueue<Event> events,
            List<Completion> running,
            CompletionTrace trace) {
        return out -> {
            // stays so if the client goes away: the next write fails
            CompletionTrace.Outcome outcome = CompletionTrace.Outcome.CANCELLED;
            int[] textOffsets = new int[params.n()];
            Arrays.fill(textOffsets, promptChars);
            try {
                for (int i = 0; shape.chat() && i < params.n(); i++) {
                    send(out, shape.firstChunk(header, i));
                }
                int completionTokens = 0;
                long lastWrite = System.currentTimeMillis();
                for (int done = 0; done < params.n(); ) {
                    Event event = events.poll(1, TimeUnit.SECONDS);
                    if (event == null) {
                        if (System.currentTimeMillis() - lastWrite > KEEP_ALIVE_MS) {
                            write(out, ": keep-alive\n\n");
                            lastWrite = System.currentTimeMillis();
                        }
                        continue;
                    }
                    if (event.error() != null) {
                        outcome = CompletionTrace.Outcome.FAILED;
                        String incident = UUID.randomUUID().toString();
                        LOG.errorf(event.error(), "Completion failed, incident %s", incident);
                        send(
                                out,
                                ErrorResponse.of(
                                        "The completion failed (incident " + incident + ").",
                                        ErrorType.SERVER,
                                        null,
                                        "internal_error"));
                        return;
                    }
                    Object logprobs =
                            params.wantsLogprobs()
                                    ? shape.logprobs(event.logprobs(), textOffsets[event.choice()])
                                    : null;
                    textOffsets[event.choice()] += CompletionShape.textLength(event.logprobs());
                    if (event.delta() != null) {
                        send(
                                out,
                                shape.deltaChunk(header, event.choice(), event.delta(), logprobs));
                    } else {
                        send(
                                out,
                                shape.finishChunk(
                                        header, event.choice(), event.result(), logprobs));
                        completionTokens += event.result().completionTokens();
                        done++;
                    }
                    lastWrite = System.currentTimeMillis();
                }
                if (params.includeUsage()) {
                    send(out, shape.usageChunk(header, promptTokens, completionTokens));
                }
                write(out, "data: [DONE]\n\n");
                outcome = CompletionTrace.Outcome.FINISHED;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                running.forEach(Completion::cancel);
                LOG.info(trace.line(outcome));
            }
        };
    }

    private void send(OutputStream out, Object chunk) throws IOException {
        write(out, "data: " + json.writeValueAsString(chunk) + "\n\n");
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** A serving refusal in the API's error shape: 404 for an unknown model, else 400. */
    static ApiException toApi(ServingException e) {
        if (e instanceof ModelNotFoundException) {
            return new ApiException(404, ErrorType.NOT_FOUND, e.getMessage(), e.param(), e.code());
        }
        return new ApiException(
                400, ErrorType.INVALID_REQUEST, e.getMessage(), e.param(), e.code());
    }
}
