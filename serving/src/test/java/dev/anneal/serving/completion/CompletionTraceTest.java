package dev.anneal.serving.completion;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CompletionTraceTest {

    @Test
    void shouldSayWhatWasAskedAndHowEachChoiceEndedWhenFinished() {
        CompletionTrace trace = new CompletionTrace(System.nanoTime(), "ft-1", "base", 12, 2, true);
        trace.onToken();
        trace.onToken();
        trace.onToken();
        trace.onFinish(1, SequenceResult.FinishReason.LENGTH);
        trace.onFinish(0, SequenceResult.FinishReason.STOP);

        assertThat(trace.line(CompletionTrace.Outcome.FINISHED))
                .matches(
                        "Completion finished: model=ft-1 baseModel=base stream=true n=2"
                                + " promptTokens=12 completionTokens=3 finishReasons=stop,length"
                                + " ttftMs=\\d+\\.\\d totalMs=\\d+\\.\\d");
    }

    @Test
    void shouldMarkMissingFirstTokenAndUnfinishedChoicesWhenCancelledEarly() {
        CompletionTrace trace = new CompletionTrace(System.nanoTime(), "m", "m", 3, 1, false);

        assertThat(trace.line(CompletionTrace.Outcome.CANCELLED))
                .startsWith("Completion cancelled: ")
                .contains("completionTokens=0 finishReasons=- ttftMs=- totalMs=");
    }
}
