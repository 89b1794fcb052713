package dev.anneal.api.completion;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.api.StreamPermits;
import dev.anneal.api.auth.KeyWatch;
import dev.anneal.api.error.ErrorResponse;
import dev.anneal.api.error.ErrorType;
import dev.anneal.serving.completion.CompletionTrace;
import dev.anneal.serving.scheduler.Completion;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * The answer of a streamed request, pushed without holding a thread: server-sent events of chunks
 * as the sequences' events arrive, a usage chunk when asked, then {@code data: [DONE]}; an error
 * after the stream began is a {@code data: {"error": …}} event.
 *
 * <p>The engine's listeners wake a drain on a shared pool ({@link CompletionStreams}) that turns
 * events into chunks in order. A tick every second ends the stream when the client has gone (every
 * sequence of the request is then cancelled, freeing its place within one scheduler step) or its
 * key stopped working, and sends a keep-alive comment after 15 quiet seconds.
 */
final class CompletionStream {

    private static final Logger LOG = Logger.getLogger(CompletionStream.class);
    private static final long KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(15);

    /** Chunks a slow client may have pending before its stream is cut off. */
    private static final int CLIENT_BUFFER = 100_000;

    private final CompletionStreams pools;
    private final ObjectMapper json;
    private final CompletionShape shape;
    private final CompletionRunner.Header header;
    private final CompletionParams params;
    private final int promptTokens;
    private final CompletionEvents events;
    private final List<Completion> running;
    private final CompletionTrace trace;
    private final BooleanSupplier clientGone;
    private final KeyWatch.Watch keyWatch;
    private final StreamPermits.Permit permit;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final int[] textOffsets;

    /** The request's logging context (request id, tenant), for lines logged from other threads. */
    private final Map<String, Object> logContext = new HashMap<>(MDC.getMap());

    private MultiEmitter<? super byte[]> emitter;
    private ScheduledFuture<?> tick;
    private volatile boolean done;
    private volatile long lastWrite = System.nanoTime();
    // stays so if the client goes away
    private volatile CompletionTrace.Outcome outcome = CompletionTrace.Outcome.CANCELLED;
    private int finished;
    private int completionTokens;

    /**
     * Creates the stream.
     *
     * @param promptChars where a text completion's {@code text_offset} starts
     * @param running the request's sequences, cancelled when the stream ends however it ends
     * @param clientGone whether the client's connection is closed
     * @param keyWatch says when the request's key stops working, closed when the stream ends
     * @param permit the tenant's place for this stream, given back when it ends
     */
    CompletionStream(
            CompletionStreams pools,
            ObjectMapper json,
            CompletionShape shape,
            CompletionRunner.Header header,
            CompletionParams params,
            int promptTokens,
            int promptChars,
            CompletionEvents events,
            List<Completion> running,
            CompletionTrace trace,
            BooleanSupplier clientGone,
            KeyWatch.Watch keyWatch,
            StreamPermits.Permit permit) {
        this.pools = pools;
        this.json = json;
        this.shape = shape;
        this.header = header;
        this.params = params;
        this.promptTokens = promptTokens;
        this.events = events;
        this.running = running;
        this.trace = trace;
        this.clientGone = clientGone;
        this.keyWatch = keyWatch;
        this.permit = permit;
        this.textOffsets = new int[params.n()];
        Arrays.fill(textOffsets, promptChars);
    }

    /** The stream's bytes, pushed as the engine produces them. */
    Multi<byte[]> bytes() {
        return Multi.createFrom()
                .<byte[]>emitter(
                        emitter -> {
                            this.emitter = emitter;
                            emitter.onTermination(this::ended);
                            for (int i = 0; shape.chat() && i < params.n(); i++) {
                                send(shape.firstChunk(header, i));
                            }
                            events.onEvent(this::schedule);
                            tick =
                                    pools.timer()
                                            .scheduleWithFixedDelay(
                                                    this::tick, 1, 1, TimeUnit.SECONDS);
                            schedule();
                        },
                        CLIENT_BUFFER);
    }

    private void schedule() {
        if (!done && scheduled.compareAndSet(false, true)) {
            pools.drains().execute(this::drain);
        }
    }

    /** Turns the events queued so far into chunks, in order; one drain at a time. */
    private void drain() {
        try {
            CompletionEvents.Event event;
            while (!done && (event = events.poll()) != null) {
                handle(event);
            }
        } catch (RuntimeException e) {
            inLogContext(() -> LOG.errorf(e, "Completion stream failed"));
            end(CompletionTrace.Outcome.FAILED);
        } finally {
            scheduled.set(false);
            if (!done && events.hasNext()) {
                schedule();
            }
        }
    }

    private void handle(CompletionEvents.Event event) {
        if (event.error() != null) {
            String incident = UUID.randomUUID().toString();
            inLogContext(
                    () -> LOG.errorf(event.error(), "Completion failed, incident %s", incident));
            send(
                    ErrorResponse.of(
                            "The completion failed (incident " + incident + ").",
                            ErrorType.SERVER,
                            null,
                            "internal_error"));
            end(CompletionTrace.Outcome.FAILED);
            return;
        }
        Object logprobs =
                params.wantsLogprobs()
                        ? shape.logprobs(event.logprobs(), textOffsets[event.choice()])
                        : null;
        textOffsets[event.choice()] += CompletionShape.textLength(event.logprobs());
        if (event.delta() != null) {
            send(shape.deltaChunk(header, event.choice(), event.delta(), logprobs));
            return;
        }
        send(shape.finishChunk(header, event.choice(), event.result(), logprobs));
        completionTokens += event.result().completionTokens();
        if (++finished == params.n()) {
            if (params.includeUsage()) {
                send(shape.usageChunk(header, promptTokens, completionTokens));
            }
            write("data: [DONE]\n\n");
            end(CompletionTrace.Outcome.FINISHED);
        }
    }

    /** Every second: the client gone, the key revoked, or a keep-alive due. */
    private void tick() {
        if (done) {
            return;
        }
        if (clientGone.getAsBoolean()) {
            end(CompletionTrace.Outcome.CANCELLED);
        } else if (keyWatch.invalid()) {
            send(
                    ErrorResponse.of(
                            "The API key of this request was revoked or expired.",
                            ErrorType.AUTHENTICATION,
                            null,
                            "invalid_api_key"));
            end(CompletionTrace.Outcome.CANCELLED);
        } else if (System.nanoTime() - lastWrite > KEEP_ALIVE_NANOS) {
            write(": keep-alive\n\n");
        }
    }

    private void end(CompletionTrace.Outcome how) {
        if (!done) {
            outcome = how;
            done = true;
            emitter.complete();
        }
    }

    /** However the stream ended (finished, failed, client gone): free what it held, once. */
    private void ended() {
        done = true;
        if (tick != null) {
            tick.cancel(false);
        }
        keyWatch.close();
        permit.close();
        running.forEach(Completion::cancel);
        inLogContext(() -> LOG.info(trace.line(outcome)));
    }

    /** Logs on this thread as if from the request's: its request id and tenant on the line. */
    private void inLogContext(Runnable log) {
        Map<String, Object> own = new HashMap<>(MDC.getMap());
        MDC.clear();
        logContext.forEach(MDC::put);
        try {
            log.run();
        } finally {
            MDC.clear();
            own.forEach(MDC::put);
        }
    }

    private void send(Object chunk) {
        try {
            write("data: " + json.writeValueAsString(chunk) + "\n\n");
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void write(String text) {
        if (done) {
            return;
        }
        if (clientGone.getAsBoolean()) {
            end(CompletionTrace.Outcome.CANCELLED); // nothing to write to
            return;
        }
        emitter.emit(text.getBytes(StandardCharsets.UTF_8));
        lastWrite = System.nanoTime();
    }
}
