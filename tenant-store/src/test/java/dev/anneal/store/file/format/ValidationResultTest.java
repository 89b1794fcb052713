package dev.anneal.store.file.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ValidationResultTest {

    private static final LineError ROLE =
            new LineError(3, "messages[1].role", "must be one of system, user, assistant");
    private static final LineError EMPTY = new LineError(1, null, "file is empty");

    @Test
    void shouldBeValidWhenThereAreNoErrors() {
        ValidationResult result = new ValidationResult(DatasetFormat.CHAT, 2, List.of(), false);

        assertThat(result.isValid()).isTrue();
        assertThat(result.summary()).isEqualTo("Valid chat file: 2 lines");
    }

    @Test
    void shouldNameLineFieldAndReasonWhenSummarizingOneError() {
        ValidationResult result = new ValidationResult(DatasetFormat.CHAT, 5, List.of(ROLE), false);

        assertThat(result.isValid()).isFalse();
        assertThat(result.summary())
                .isEqualTo(
                        "Invalid file: line 3, field 'messages[1].role':"
                                + " must be one of system, user, assistant");
    }

    @Test
    void shouldLeaveOutFieldWhenWholeLineIsAtFault() {
        ValidationResult result = new ValidationResult(null, 0, List.of(EMPTY), false);

        assertThat(result.summary()).isEqualTo("Invalid file: line 1: file is empty");
    }

    @Test
    void shouldCountOtherErrorsWhenThereAreSeveral() {
        assertThat(new ValidationResult(null, 9, List.of(ROLE, ROLE), false).summary())
                .endsWith(" (and 1 more error)");
        assertThat(new ValidationResult(null, 9, List.of(ROLE, ROLE, ROLE), false).summary())
                .endsWith(" (and 2 more errors)");
    }

    @Test
    void shouldSayMoreThanWhenErrorsWereCapped() {
        List<LineError> capped = Collections.nCopies(JsonlValidator.MAX_ERRORS, ROLE);

        assertThat(new ValidationResult(null, 99, capped, true).summary())
                .endsWith(" (and more than 19 other errors)");
    }

    @Test
    void shouldCopyErrorsWhenConstructed() {
        List<LineError> errors = new ArrayList<>(List.of(ROLE));
        ValidationResult result = new ValidationResult(null, 1, errors, false);
        errors.clear();

        assertThat(result.errors()).containsExactly(ROLE);
    }

    @Test
    void shouldRejectMoreErrorsWhenNoErrorIsListed() {
        assertThatThrownBy(() -> new ValidationResult(null, 1, List.of(), true))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldRejectLineErrorWhenLineIsNotPositive() {
        assertThatThrownBy(() -> new LineError(0, null, "x"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
