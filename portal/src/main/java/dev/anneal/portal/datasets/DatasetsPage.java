package dev.anneal.portal.datasets;

import dev.anneal.api.ListResponse;
import dev.anneal.api.auth.TenantAccess;
import dev.anneal.api.file.FileObject;
import dev.anneal.api.file.FilesResource;
import dev.anneal.portal.Pages;
import dev.anneal.portal.PortalPage;
import dev.anneal.store.apikey.Scope;
import dev.anneal.store.file.FileService;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateExtension;
import io.quarkus.qute.TemplateInstance;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * Datasets: the tenant's files, listed through {@link FilesResource} itself (same checks, same
 * paging), uploaded by the page's script straight to {@code POST /v1/files}, previewed, downloaded
 * and deleted through the API's routes.
 */
@PortalPage
@Path("/datasets")
@Produces(MediaType.TEXT_HTML)
@TenantAccess(Scope.FILES)
public class DatasetsPage {

    /** Lines shown by a preview, and the most bytes read for them. */
    static final int PREVIEW_LINES = 20;

    static final int PREVIEW_BYTES = 64 * 1024;

    @CheckedTemplate(basePath = "datasets")
    static class Templates {
        static native TemplateInstance list(ListResponse<FileObject> files, String after);

        static native TemplateInstance file(FileObject file, List<String> preview, boolean cut);
    }

    private final FilesResource files;
    private final FileService service;

    @Inject
    DatasetsPage(FilesResource files, FileService service) {
        this.files = files;
        this.service = service;
    }

    @GET
    @Operation(hidden = true)
    public TemplateInstance list(@QueryParam("after") String after) {
        return Templates.list(files.list(null, after, Pages.PAGE_SIZE, null), after);
    }

    @GET
    @Path("/{file_id}")
    @Operation(hidden = true)
    public TemplateInstance file(@PathParam("file_id") String id) {
        FileObject file = files.get(id);
        List<String> lines = new ArrayList<>();
        boolean cut = false;
        try (InputStream content = service.openContent(id)) {
            byte[] head = content.readNBytes(PREVIEW_BYTES);
            cut = head.length == PREVIEW_BYTES;
            BufferedReader reader =
                    new BufferedReader(
                            new InputStreamReader(
                                    new java.io.ByteArrayInputStream(head),
                                    StandardCharsets.UTF_8));
            for (String line = reader.readLine();
                    line != null && lines.size() < PREVIEW_LINES;
                    line = reader.readLine()) {
                lines.add(line);
            }
            cut |= file.lineCount() > lines.size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Templates.file(file, lines, cut);
    }

    /** What the templates show of a file. */
    @TemplateExtension
    static class FileViews {
        static String created(FileObject file) {
            return Pages.time(file.createdAt());
        }

        static String size(FileObject file) {
            return Pages.bytes(file.bytes());
        }
    }
}
