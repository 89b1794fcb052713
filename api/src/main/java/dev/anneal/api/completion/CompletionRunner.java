package dev.anneal.api.completion;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.api.StreamPermits;
import dev.anneal.api.auth.CurrentKey;
import dev.anneal.api.auth.KeyWatch;
import dev.anneal.api.error.ApiException;
import dev.anneal.api.error.ErrorResponse;
import dev.anneal.api.error.ErrorType;
import dev.anneal.serving.ConstraintFactory;
import dev.anneal.serving.ModelNotFoundException;
import dev.anneal.serving.ServedModel;
import dev.anneal.serving.ServingEngine;
import dev.anneal.serving.ServingException;
import dev.anneal.serving.ServingOverloadedException;
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
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.smallrye.mutiny.Multi;
import io.vertx.core.http.HttpServerResponse;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * What both completion routes do once their request is read: checks the {@code serve} role,
 * resolves the model for the caller, encodes the prompt, clips {@code max_tokens} to the context,
 * submits one sequence per choice and answers with the whole result or a stream of chunks.
 *
 * <p>Each sequence's listener puts its events on one queue ({@link CompletionEvents}), which the
 * thread awaiting the whole answer, or the stream's writer ({@link CompletionStream}), drains; a
 * client that closes its connection is noticed within a second, and every sequence of the request
 * is then cancelled, freeing its place within one scheduler step.
 *
 * <p>Every request whose sequences were submitted logs one line at INFO when it ends, finished,
 * failed or cancelled ({@link CompletionTrace}: model, tokens, finish reasons, times; never the
 * text), on the request's thread, so that the logging context names its request and tenant.
 */
@ApplicationScoped
public class CompletionRunner {

    private static final Logger LOG = Logger.getLogger(CompletionRunner.class);
    private static final long MAX_WAIT_MINUTES = 30;

    /** nginx's status for a request whose client closed the connection first. */
    private static final int CLIENT_CLOSED_REQUEST = 499;

    private final ServingEngine engine;
    private final Roles roles;
    private final CurrentTenant tenant;
    private final ObjectMapper json;
    private final CurrentVertxRequest currentRequest;
    private final StreamPermits permits;
    private final KeyWatch keyWatch;
    private final CurrentKey currentKey;
    private final CompletionStreams streams;

    @Inject
    CompletionRunner(
            ServingEngine engine,
            Roles roles,
            CurrentTenant tenant,
            ObjectMapper json,
            CurrentVertxRequest currentRequest,
            StreamPermits permits,
            KeyWatch keyWatch,
            CurrentKey currentKey,
            CompletionStreams streams) {
        this.streams = streams;
        this.keyWatch = keyWatch;
        this.currentKey = currentKey;
        this.engine = engine;
        this.roles = roles;
        this.tenant = tenant;
        this.json = json;
        this.currentRequest = currentRequest;
        this.permits = permits;
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
    RestMulti<byte[]> run(
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
        List<Completion> running = new ArrayList<>();
        CompletionTrace trace =
                new CompletionTrace(
                        started,
                        params.model(),
                        model.baseModelId(),
                        encoded.length(),
                        params.n(),
                        params.stream());
        CompletionEvents events = new CompletionEvents(trace);
        // asked while the request is current; read from the answer's writer thread
        HttpServerResponse connection = currentRequest.getCurrent().response();
        BooleanSupplier clientGone = connection::closed;
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
                                events.listener(i)));
            }
        } catch (MaxTokensTooSmallException e) {
            running.forEach(Completion::cancel);
            throw CompletionParams.invalid(e.getMessage() + ".", "max_tokens");
        } catch (ServingOverloadedException e) {
            running.forEach(Completion::cancel);
            return json(
                    429,
                    ErrorResponse.of(e.getMessage(), ErrorType.SERVER, null, e.code()),
                    Map.of(HttpHeaders.RETRY_AFTER, String.valueOf(e.retryAfterSeconds())));
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
            StreamPermits.Permit permit;
            try {
                permit = permits.acquire(tenant.require());
            } catch (ApiException e) {
                running.forEach(Completion::cancel);
                throw e;
            }
            CompletionStream stream =
                    new CompletionStream(
                            streams,
                            json,
                            shape,
                            header,
                            params,
                            encoded.length(),
                            promptChars,
                            events,
                            running,
                            trace,
                            clientGone,
                            keyWatch.watch(currentKey.id(), () -> {}),
                            permit);
            return RestMulti.fromMultiData(stream.bytes())
                    .encodeAsJsonArray(false)
                    .header(HttpHeaders.CONTENT_TYPE, MediaType.SERVER_SENT_EVENTS)
                    .header(HttpHeaders.CACHE_CONTROL, "no-cache")
                    .header("X-Accel-Buffering", "no")
                    .build();
        }
        List<List<TokenLogprobs>> logprobs = params.wantsLogprobs() ? new ArrayList<>() : null;
        SequenceResult[] results;
        try {
            results = await(params.n(), events, running, logprobs, clientGone);
        } catch (RuntimeException e) {
            LOG.info(trace.line(CompletionTrace.Outcome.FAILED));
            throw e;
        }
        if (results == null) {
            LOG.info(trace.line(CompletionTrace.Outcome.CANCELLED));
            // nobody reads it: the client closed the connection
            return RestMulti.fromMultiData(Multi.createFrom().<byte[]>empty())
                    .status(CLIENT_CLOSED_REQUEST)
                    .build();
        }
        LOG.info(trace.line(CompletionTrace.Outcome.FINISHED));
        return json(
                200,
                shape.completion(header, results, logprobs, encoded.length(), promptChars),
                Map.of());
    }

    /**
     * A whole JSON answer as the route's one chunk: the completion routes return bytes whose type
     * each answer sets, since the same request is answered with JSON or with server-sent events.
     */
    private RestMulti<byte[]> json(int status, Object body, Map<String, String> headers) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        RestMulti.SyncRestMulti.Builder<byte[]> answer =
                RestMulti.fromMultiData(Multi.createFrom().item(bytes))
                        .encodeAsJsonArray(false)
                        .status(status)
                        .header(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON);
        headers.forEach(answer::header);
        return answer.build();
    }

    /** What every chunk and completion object starts with. */
    record Header(String id, long created, String model) {}

    /**
     * Waits for every choice's result.
     *
     * @param logprobs filled with each choice's log-probabilities, one entry per generated token,
     *     or {@code null} when not asked
     * @param clientGone whether the client's connection is closed
     * @return the results, or {@code null} when the client went away first
     */
    private static SequenceResult[] await(
            int n,
            CompletionEvents events,
            List<Completion> running,
            List<List<TokenLogprobs>> logprobs,
            BooleanSupplier clientGone) {
        SequenceResult[] results = new SequenceResult[n];
        for (int i = 0; logprobs != null && i < n; i++) {
            logprobs.add(new ArrayList<>());
        }
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(MAX_WAIT_MINUTES);
            for (int done = 0; done < n; ) {
                CompletionEvents.Event event = events.poll(1, TimeUnit.SECONDS);
                if (clientGone.getAsBoolean()) {
                    return null;
                }
                if (event == null) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(
                                "No completion after " + MAX_WAIT_MINUTES + " minutes");
                    }
                    continue;
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

    /** A serving refusal in the API's error shape: 404 for an unknown model, else 400. */
    static ApiException toApi(ServingException e) {
        if (e instanceof ModelNotFoundException) {
            return new ApiException(404, ErrorType.NOT_FOUND, e.getMessage(), e.param(), e.code());
        }
        return new ApiException(
                400, ErrorType.INVALID_REQUEST, e.getMessage(), e.param(), e.code());
    }
}
