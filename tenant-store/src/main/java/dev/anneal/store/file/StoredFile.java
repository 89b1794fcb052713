package dev.anneal.store.file;

import dev.anneal.store.file.format.DatasetFormat;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.TenantId;

/**
 * A tenant's uploaded file: its metadata here, its bytes as an encrypted blob named after its id.
 * Only files that passed validation are ever stored.
 */
@Entity
@Table(name = "stored_file")
public class StoredFile {

    /** The format of a results file. */
    public static final String CSV = "csv";

    @Id private String id;

    @TenantId
    @Column(name = "tenant_id", nullable = false, updatable = false)
    private String tenantId;

    /** Insertion order, for stable newest-first paging; assigned by the database. */
    @Column(insertable = false, updatable = false)
    private Long seq;

    @Column(nullable = false)
    private String filename;

    @Column(nullable = false)
    private String purpose;

    @Column(nullable = false)
    private long bytes;

    @Column(nullable = false)
    private String format;

    @Column(name = "line_count", nullable = false)
    private long lineCount;

    @Column(nullable = false)
    private String status;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    protected StoredFile() {}

    StoredFile(
            String id,
            String filename,
            FilePurpose purpose,
            long bytes,
            String format,
            long lineCount,
            Instant createdAt) {
        this.id = id;
        this.filename = filename;
        this.purpose = purpose.wireName();
        this.bytes = bytes;
        this.format = format;
        this.lineCount = lineCount;
        this.status = "processed";
        this.createdAt = createdAt;
    }

    public String id() {
        return id;
    }

    public String tenantId() {
        return tenantId;
    }

    public String filename() {
        return filename;
    }

    public FilePurpose purpose() {
        return FilePurpose.fromWireName(purpose);
    }

    public long bytes() {
        return bytes;
    }

    /**
     * The dataset format of a training file ({@link FilePurpose#FINE_TUNE}).
     *
     * @throws IllegalStateException for a file the platform produced (a results CSV)
     */
    public DatasetFormat format() {
        if (purpose() != FilePurpose.FINE_TUNE) {
            throw new IllegalStateException("File " + id + " is not a dataset");
        }
        return DatasetFormat.fromWireName(format);
    }

    /** The format's name: a dataset format, or {@value #CSV} for a results file. */
    public String formatName() {
        return format;
    }

    public long lineCount() {
        return lineCount;
    }

    /** OpenAI's file status; a stored file has always been validated: {@code processed}. */
    public String status() {
        return status;
    }

    public Instant createdAt() {
        return createdAt;
    }
}
