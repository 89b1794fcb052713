package dev.anneal.store.feedback;

import dev.anneal.store.crypto.DataKey;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.PGCopyOutputStream;

/**
 * Writes judgements to a table of {@code preference_feedback}'s columns with {@code COPY ... FROM
 * STDIN (FORMAT binary)}: each row is sealed with its tenant's keys as it is encoded, and the
 * server parses no text, plans nothing and runs no executor per row. Runs on the caller's thread,
 * in the transaction of the connection it is given.
 *
 * <p>The binary format is PostgreSQL's ({@code PGCOPY} header, per row a field count and each field
 * as length and bytes, {@code -1} for null): text as UTF-8 (pgJDBC's client encoding), {@code uuid}
 * as 16 bytes, {@code timestamptz} as microseconds since 2000-01-01 UTC, {@code float8} as IEEE
 * 754, all big-endian.
 */
final class FeedbackCopy {

    /** The columns written, in the order each row's fields are encoded. */
    static final List<String> COLUMNS =
            List.of(
                    "tenant_id",
                    "event_id",
                    "type",
                    "created_at",
                    "received_at",
                    "prompt_sealed",
                    "chosen_sealed",
                    "rejected_sealed",
                    "completion_sealed",
                    "metadata_sealed",
                    "prompt_hash",
                    "chosen_hash",
                    "rejected_hash",
                    "chosen_model",
                    "rejected_model",
                    "model",
                    "score",
                    "annotator_id");

    /** {@link #COLUMNS} as an SQL column list. */
    static final String COLUMN_LIST = COLUMNS.stream().collect(Collectors.joining(", "));

    private static final byte[] SIGNATURE = {
        'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0
    };

    /** 2000-01-01T00:00:00Z, PostgreSQL's epoch, in microseconds since the Unix epoch. */
    private static final long POSTGRES_EPOCH_MICROS = 946_684_800_000_000L;

    private static final int BUFFER_BYTES = 256 * 1024;

    private FeedbackCopy() {}

    /**
     * Copies {@code rows} into {@code table} on {@code connection}, in its transaction.
     *
     * @param keys each row's tenant's data keys, current first, looked up before the copy starts
     *     (the connection serves nothing else while copying)
     * @return how many rows were copied: all of them, or it throws
     * @throws SQLException as PostgreSQL reports it (state {@code 23505} for a (tenant, event id)
     *     stored already, when {@code table} is {@code preference_feedback}); the copy is then
     *     over, and the transaction must be rolled back (to a savepoint, at least)
     */
    static long copy(
            Connection connection,
            String table,
            List<FeedbackRow> rows,
            Map<String, List<DataKey>> keys)
            throws SQLException {
        CopyIn copy =
                connection
                        .unwrap(PGConnection.class)
                        .getCopyAPI()
                        .copyIn(
                                "copy "
                                        + table
                                        + " ("
                                        + COLUMN_LIST
                                        + ") from stdin (format binary)");
        try {
            DataOutputStream out = new DataOutputStream(new PGCopyOutputStream(copy, BUFFER_BYTES));
            out.write(SIGNATURE);
            out.writeInt(0); // flags: no OIDs
            out.writeInt(0); // no header extension
            for (FeedbackRow row : rows) {
                List<DataKey> own = keys.get(row.tenantId());
                write(out, row, own.get(0), own.get(own.size() - 1));
            }
            out.writeShort(-1);
            out.flush();
            return copy.endCopy();
        } catch (IOException e) {
            // PGCopyOutputStream reports the server's refusal as an IOException around it
            if (e.getCause() instanceof SQLException refused) {
                throw refused;
            }
            throw new SQLException("Copying judgements failed: " + e.getMessage(), e);
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }

    /** One row: its texts sealed with {@code key}, their hashes under {@code groupingKey}. */
    private static void write(
            DataOutputStream out, FeedbackRow row, DataKey key, DataKey groupingKey)
            throws IOException {
        out.writeShort(COLUMNS.size());
        text(out, row.tenantId());
        out.writeInt(16);
        out.writeLong(row.eventId().getMostSignificantBits());
        out.writeLong(row.eventId().getLeastSignificantBits());
        text(out, row.type());
        timestamp(out, row.createdAt());
        timestamp(out, row.receivedAt());
        sealed(out, key, row, "prompt", row.prompt());
        sealed(out, key, row, "chosen", row.chosen());
        sealed(out, key, row, "rejected", row.rejected());
        sealed(out, key, row, "completion", row.completion());
        sealed(out, key, row, "metadata", row.metadata());
        bytes(out, PreferenceFeedback.textHash(groupingKey, row.prompt()));
        bytes(out, PreferenceFeedback.textHash(groupingKey, row.chosen()));
        bytes(out, PreferenceFeedback.textHash(groupingKey, row.rejected()));
        text(out, row.chosenModel());
        text(out, row.rejectedModel());
        text(out, row.model());
        if (row.score() == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(8);
            out.writeDouble(row.score());
        }
        text(out, row.annotatorId());
    }

    private static void sealed(
            DataOutputStream out, DataKey key, FeedbackRow row, String column, String text)
            throws IOException {
        bytes(out, PreferenceFeedback.sealed(key, row.tenantId(), row.eventId(), column, text));
    }

    private static void text(DataOutputStream out, String text) throws IOException {
        bytes(out, text == null ? null : text.getBytes(StandardCharsets.UTF_8));
    }

    private static void bytes(DataOutputStream out, byte[] value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(value.length);
        out.write(value);
    }

    private static void timestamp(DataOutputStream out, Instant at) throws IOException {
        out.writeInt(8);
        out.writeLong(
                Math.addExact(
                                Math.multiplyExact(at.getEpochSecond(), 1_000_000L),
                                at.getNano() / 1_000)
                        - POSTGRES_EPOCH_MICROS);
    }
}
