package dev.anneal.api.error;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.anneal.store.ConflictException;
import dev.anneal.store.DomainException;
import dev.anneal.store.NotFoundException;
import dev.anneal.store.blob.InsufficientStorageException;
import dev.anneal.store.file.FileTooLargeException;
import dev.anneal.store.file.InvalidFileException;
import dev.anneal.store.file.format.ValidationResult;
import dev.anneal.store.quota.QuotaExceededException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The single place where exceptions become HTTP responses, all in {@link ErrorResponse}'s shape.
 * Nothing internal reaches the client: unexpected failures are logged with an id and answered with
 * that id only.
 */
public class ApiExceptionMappers {

    private static final Logger LOG = Logger.getLogger(ApiExceptionMappers.class);

    /** The message of the HTTP layer's reader when a body passes its limit. */
    private static final String TOO_LARGE = "Request too large";

    @ServerExceptionMapper
    public Response mapApi(ApiException e) {
        if (e.retryAfterSeconds() > 0) {
            return Response.status(e.status())
                    .type(MediaType.APPLICATION_JSON)
                    .header(HttpHeaders.RETRY_AFTER, e.retryAfterSeconds())
                    .entity(e.toResponse())
                    .build();
        }
        return respond(e.status(), e.toResponse());
    }

    @ServerExceptionMapper
    public Response mapDomain(DomainException e) {
        int status;
        String type;
        if (e instanceof NotFoundException) {
            status = 404;
            type = ErrorType.NOT_FOUND;
        } else if (e instanceof ConflictException) {
            status = 409;
            type = ErrorType.CONFLICT;
        } else if (e instanceof FileTooLargeException) {
            status = 413;
            type = ErrorType.INVALID_REQUEST;
        } else if (e instanceof QuotaExceededException) {
            status = 429;
            type = ErrorType.QUOTA;
        } else if (e instanceof InsufficientStorageException) {
            status = 507;
            type = ErrorType.SERVER;
        } else {
            status = 400;
            type = ErrorType.INVALID_REQUEST;
        }
        if (e instanceof InvalidFileException invalid) {
            ValidationResult result = invalid.result();
            return respond(
                    400,
                    new ErrorResponse(
                            new ErrorResponse.Error(
                                    e.getMessage(),
                                    type,
                                    e.param(),
                                    e.code(),
                                    result.errors().stream()
                                            .map(
                                                    l ->
                                                            new ErrorResponse.LineDetail(
                                                                    l.line(),
                                                                    l.field(),
                                                                    l.reason()))
                                            .collect(Collectors.toList()),
                                    result.moreErrors())));
        }
        return respond(status, ErrorResponse.of(e.getMessage(), type, e.param(), e.code()));
    }

    @ServerExceptionMapper
    public Response mapUnknownField(UnrecognizedPropertyException e) {
        return respond(
                400,
                ErrorResponse.of(
                        "Unknown parameter '" + e.getPropertyName() + "'.",
                        ErrorType.INVALID_REQUEST,
                        e.getPropertyName(),
                        "unknown_parameter"));
    }

    @ServerExceptionMapper
    public Response mapMismatchedInput(MismatchedInputException e) {
        return mapJson(e);
    }

    @ServerExceptionMapper
    public Response mapJson(JsonProcessingException e) {
        if (cutOffAtLimit(e)) {
            return tooLarge();
        }
        String param = null;
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            param =
                    mapping.getPath().stream()
                            .map(
                                    r ->
                                            r.getFieldName() != null
                                                    ? r.getFieldName()
                                                    : "[" + r.getIndex() + "]")
                            .collect(Collectors.joining("."))
                            .replace(".[", "[");
        }
        // a value type that refuses a value (an enum's wire name) says why in its own words
        String reason =
                e.getCause() instanceof IllegalArgumentException refused
                                && refused.getMessage() != null
                        ? refused.getMessage()
                        : e.getOriginalMessage();
        String message =
                param != null
                        ? "Invalid value for '" + param + "': " + reason + "."
                        : "The request body is not valid JSON: " + reason + ".";
        return respond(
                400, ErrorResponse.of(message, ErrorType.INVALID_REQUEST, param, "invalid_json"));
    }

    @ServerExceptionMapper
    public Response mapWebApplication(WebApplicationException e, UriInfo uri) {
        if (e.getCause() instanceof JsonProcessingException json) {
            // the JSON reader wraps what a value type refused (an enum's wire name) in a 400
            return mapJson(json);
        }
        int status = e.getResponse().getStatus();
        String message;
        String code;
        if (status == 404) {
            message = "Unknown route: /" + uri.getPath().replaceFirst("^/", "") + ".";
            code = "unknown_route";
        } else if (e instanceof NotAllowedException) {
            message = "Method not allowed on /" + uri.getPath().replaceFirst("^/", "") + ".";
            code = "method_not_allowed";
        } else if (e instanceof NotSupportedException) {
            message = "Unsupported media type; this route expects another Content-Type.";
            code = "unsupported_media_type";
        } else if (status == 413) {
            message = "The request body is too large.";
            code = "request_too_large";
        } else if (status >= 500) {
            return mapUnexpected(e);
        } else {
            message = e.getMessage();
            code = null;
        }
        Response.ResponseBuilder builder =
                Response.status(status)
                        .type(MediaType.APPLICATION_JSON)
                        .entity(ErrorResponse.of(message, ErrorType.INVALID_REQUEST, null, code));
        if (e instanceof NotAllowedException) {
            builder.allow(e.getResponse().getAllowedMethods());
        }
        return builder.build();
    }

    @ServerExceptionMapper
    public Response mapUnexpected(Throwable e) {
        if (cutOffAtLimit(e)) {
            return tooLarge();
        }
        String incident = java.util.UUID.randomUUID().toString();
        LOG.errorf(e, "Unexpected failure, incident %s", incident);
        return respond(
                500,
                ErrorResponse.of(
                        "The server failed to handle the request (incident " + incident + ").",
                        ErrorType.SERVER,
                        null,
                        "internal_error"));
    }

    /**
     * Whether reading the body stopped at its route's limit ({@link StreamedBodyLimit}): the HTTP
     * layer's reader fails with this message, possibly wrapped by the JSON parser.
     */
    private static boolean cutOffAtLimit(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof java.io.IOException && TOO_LARGE.equals(cause.getMessage())) {
                return true;
            }
        }
        return false;
    }

    private static Response tooLarge() {
        return respond(
                413,
                ErrorResponse.of(
                        "The request body is larger than this route accepts.",
                        ErrorType.INVALID_REQUEST,
                        null,
                        "request_too_large"));
    }

    static Response respond(int status, ErrorResponse body) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body).build();
    }
}
