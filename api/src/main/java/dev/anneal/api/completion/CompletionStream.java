package dev.anneal.api.completion;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.api.auth.KeyWatch;
import dev.anneal.api.error.ErrorResponse;
import dev.anneal.api.error.ErrorType;
import dev.anneal.serving.completion.CompletionTrace;
import dev.anneal.serving.scheduler.Completion;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * The answer of a streamed request: server-sent events of chunks as the sequences' events arrive, a
 * usage chunk when asked, then {@code data: [DONE]}; an error after the stream began is a {@code
 * data: {"error": …}} event.
 *
 * <p>A client that goes away is noticed at its next event or within a second (writes to a closed
 * connection do not fail here, so the connection is asked), and every sequence of the request is
 * then cancelled, freeing its place within one scheduler step.
 */
final class CompletionStream implements StreamingOutput {

    private static final Logger LOG = Logger.getLogger(CompletionStream.class);
    private static final long KEEP_ALIVE_MS = 15_000;

    private final ObjectMapper json;
    private final CompletionShape shape;
    private final CompletionRunner.Header header;
    private final CompletionParams params;
    private final int promptTokens;
    private final int promptChars;
    private final CompletionEvents events;
    private final List<Completion> running;
    private final CompletionTrace trace;
    private final BooleanSupplier clientGone;
    private final KeyWatch.Watch keyWatch;

    /**
     * Creates the writer.
     *
     * @param promptChars where a text completion's {@code text_offset} starts
     * @param running the request's sequences, cancelled when the stream ends however it ends
     * @param clientGone whether the client's connection is closed
     * @param keyWatch says when the request's key stops working (the stream then ends with an error
     *     event), closed when the stream ends
     */
    CompletionStream(
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
            KeyWatch.Watch keyWatch) {
        this.keyWatch = keyWatch;
        this.json = json;
        this.shape = shape;
        this.header = header;
        this.params = params;
        this.promptTokens = promptTokens;
        this.promptChars = promptChars;
        this.events = events;
        this.running = running;
        this.trace = trace;
        this.clientGone = clientGone;
    }

    @Override
    public void write(OutputStream out) throws IOException {
        // stays so if the client goes away
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
                CompletionEvents.Event event = events.poll(1, TimeUnit.SECONDS);
                if (clientGone.getAsBoolean()) {
                    return;
                }
                if (keyWatch.invalid()) {
                    send(
                            out,
                            ErrorResponse.of(
                                    "The API key of this request was revoked or expired.",
                                    ErrorType.AUTHENTICATION,
                                    null,
                                    "invalid_api_key"));
                    return;
                }
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
                    send(out, shape.deltaChunk(header, event.choice(), event.delta(), logprobs));
                } else {
                    send(out, shape.finishChunk(header, event.choice(), event.result(), logprobs));
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
            keyWatch.close();
            running.forEach(Completion::cancel);
            LOG.info(trace.line(outcome));
        }
    }

    private void send(OutputStream out, Object chunk) throws IOException {
        write(out, "data: " + json.writeValueAsString(chunk) + "\n\n");
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
