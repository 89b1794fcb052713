package dev.anneal.api.error;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The one error shape of the API, OpenAI's: {@code {"error": {"message", "type", "param",
 * "code"}}}. For a rejected file, {@code errors} lists the lines at fault.
 */
public record ErrorResponse(Error error) {

    /** The body of an error; {@code param} and {@code code} are null when they do not apply. */
    public record Error(
            String message,
            String type,
            String param,
            String code,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<LineDetail> errors,
            @JsonInclude(JsonInclude.Include.NON_NULL) Boolean moreErrors) {}

    /** One bad line of an uploaded file. */
    public record LineDetail(long line, String field, String reason) {}

    public static ErrorResponse of(String message, String type, String param, String code) {
        return new ErrorResponse(new Error(message, type, param, code, null, null));
    }
}
