package dev.anneal.api.file;

import dev.anneal.api.BlobDownloads;
import dev.anneal.api.DeletedObject;
import dev.anneal.api.ListResponse;
import dev.anneal.api.audit.Audited;
import dev.anneal.api.auth.TenantAccess;
import dev.anneal.api.error.ApiException;
import dev.anneal.api.error.ErrorType;
import dev.anneal.store.InvalidRequestException;
import dev.anneal.store.Page;
import dev.anneal.store.PageRequest;
import dev.anneal.store.apikey.Scope;
import dev.anneal.store.file.FileLimits;
import dev.anneal.store.file.FilePurpose;
import dev.anneal.store.file.FileRepository;
import dev.anneal.store.file.FileService;
import dev.anneal.store.file.FileUpload;
import dev.anneal.store.file.StoredFile;
import io.quarkus.vertx.http.runtime.VertxHttpRecorder;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * OpenAI's Files API for the calling tenant. Uploads are read straight off the wire: the multipart
 * body is parsed as it arrives and each chunk is validated and encrypted before the next is read,
 * so no upload is ever buffered whole, in memory or on disk.
 */
@TenantAccess(Scope.FILES)
@Path("/v1/files")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Files")
public class FilesResource {

    private static final int CHUNK_SIZE = 64 * 1024;
    private static final int MAX_FIELD_BYTES = 1024;

    private final FileService files;
    private final FileRepository repository;
    private final FileLimits limits;
    private final BlobDownloads downloads;

    /** How long an upload's body may send nothing before reading it fails. */
    private final Duration idleTimeout;

    @Inject
    FilesResource(
            FileService files,
            FileRepository repository,
            FileLimits limits,
            BlobDownloads downloads,
            @ConfigProperty(name = "quarkus.http.idle-timeout") Duration idleTimeout) {
        this.downloads = downloads;
        this.idleTimeout = idleTimeout;
        this.files = files;
        this.repository = repository;
        this.limits = limits;
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Operation(summary = "Upload a JSONL dataset (multipart fields 'file' and 'purpose')")
    @Audited("file.create")
    public FileObject upload(
            @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @HeaderParam(HttpHeaders.CONTENT_LENGTH) Long contentLength,
            @Context RoutingContext routing)
            throws IOException {
        long declaredLength = contentLength == null ? 0 : contentLength;
        String boundary = MultipartReader.boundaryOf(contentType); // before a byte is asked for
        // set by StreamedBodyLimit for a body without a declared length
        Long bodyLimit = routing.get(VertxHttpRecorder.MAX_REQUEST_SIZE_KEY);
        MultipartReader reader =
                new MultipartReader(
                        new RequestBodyStream(
                                routing.request(), bodyLimit == null ? 0 : bodyLimit, idleTimeout),
                        boundary);
        FilePurpose purpose = null;
        FileUpload upload = null;
        try {
            for (MultipartReader.Part part = reader.next(); part != null; part = reader.next()) {
                String name = part.name() == null ? "" : part.name();
                switch (name) {
                    case "purpose" -> purpose = FilePurpose.ofUpload(readField(part));
                    case "file" -> {
                        if (upload != null) {
                            throw new InvalidRequestException(
                                    "Send exactly one 'file' part.", "file");
                        }
                        upload = files.begin(part.filename(), Math.max(0, declaredLength));
                        transfer(part.content(), upload);
                    }
                    default -> {
                        if (!name.startsWith("expires_after")) {
                            throw new InvalidRequestException(
                                    "Unknown form field '"
                                            + name
                                            + "'; expected 'file' and 'purpose'.",
                                    name);
                        }
                    }
                }
            }
            if (upload == null) {
                throw new InvalidRequestException("The form field 'file' is required.", "file");
            }
            if (purpose == null) {
                throw new InvalidRequestException(
                        "The form field 'purpose' is required; use 'fine-tune'.", "purpose");
            }
            return FileObject.of(upload.complete(purpose));
        } finally {
            if (upload != null) {
                upload.close();
            }
        }
    }

    @GET
    @Operation(summary = "List files, newest first")
    public ListResponse<FileObject> list(
            @QueryParam("purpose") String purpose,
            @QueryParam("after") String after,
            @QueryParam("limit") @DefaultValue("100") int limit,
            @QueryParam("order") String order) {
        Page<StoredFile> page =
                repository.list(
                        purpose == null ? null : FilePurpose.fromWireName(purpose),
                        new PageRequest(after, limit, PageRequest.newestFirst(order)));
        return ListResponse.of(
                page.data().stream().map(FileObject::of).toList(), page.hasMore(), FileObject::id);
    }

    @GET
    @Path("/{file_id}")
    @Operation(summary = "Retrieve a file's metadata")
    public FileObject get(@PathParam("file_id") String id) {
        return FileObject.of(files.get(id));
    }

    @GET
    @Path("/{file_id}/content")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "Download the exact bytes uploaded")
    @Audited(value = "file.download", target = "file_id")
    public Response content(@PathParam("file_id") String id) {
        StoredFile file = files.get(id);
        return Response.ok(
                        downloads.guarded(files.openContent(id)),
                        MediaType.APPLICATION_OCTET_STREAM)
                .header(HttpHeaders.CONTENT_LENGTH, file.bytes())
                .header(
                        "Content-Disposition",
                        "attachment; filename=\"" + file.filename().replace("\"", "") + "\"")
                .build();
    }

    @DELETE
    @Path("/{file_id}")
    @Operation(summary = "Delete a file and its stored bytes")
    @Audited(value = "file.delete", target = "file_id")
    public DeletedObject delete(@PathParam("file_id") String id) {
        files.delete(id);
        return DeletedObject.of(id, "file");
    }

    /**
     * Hands the file's bytes to the upload in chunks of {@value #CHUNK_SIZE} bytes, gathered from
     * the smaller pieces the network delivers, as each chunk costs the upload's worker threads a
     * hand-off whatever its size. Cuts off an upload that, past its grace period, arrives slower
     * than {@code anneal.files.min-upload-rate} on average (a client sending nothing at all is
     * closed by the HTTP idle timeout); the rate is checked after every read, not every chunk.
     */
    private void transfer(InputStream content, FileUpload upload) throws IOException {
        long started = System.nanoTime();
        long grace = limits.slowUploadGrace().toNanos();
        long minRate = limits.minUploadRate().asLongValue();
        byte[] buffer = new byte[CHUNK_SIZE];
        long received = 0;
        int filled = 0;
        int n;
        while ((n = content.read(buffer, filled, CHUNK_SIZE - filled)) >= 0) {
            filled += n;
            received += n;
            if (filled == CHUNK_SIZE) {
                upload.write(buffer, 0, filled);
                filled = 0;
            }
            long elapsed = System.nanoTime() - started;
            if (elapsed > grace && received < minRate * (elapsed / 1_000_000_000.0)) {
                throw new ApiException(
                        408,
                        ErrorType.INVALID_REQUEST,
                        String.format(
                                Locale.ROOT,
                                "The upload arrives too slowly: %d bytes in %.0f s, under the"
                                        + " %d bytes per second required"
                                        + " (anneal.files.min-upload-rate).",
                                received,
                                elapsed / 1e9,
                                minRate),
                        "file",
                        "upload_too_slow");
            }
        }
        if (filled > 0) {
            upload.write(buffer, 0, filled);
        }
    }

    private static String readField(MultipartReader.Part part) throws IOException {
        byte[] value = part.content().readNBytes(MAX_FIELD_BYTES + 1);
        if (value.length > MAX_FIELD_BYTES) {
            throw new InvalidRequestException(
                    "The form field '" + part.name() + "' is too long.", part.name());
        }
        return new String(value, StandardCharsets.UTF_8).strip();
    }
}
