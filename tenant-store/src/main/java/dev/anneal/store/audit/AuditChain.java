package dev.anneal.store.audit;

import dev.anneal.store.crypto.DataKey;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * How an entry's hash is made: HMAC-SHA256, under the audit key, of the previous entry's hash
 * followed by every field of the entry but its place ({@code seq}), each length-prefixed so that no
 * two different entries encode alike. Keyed, so that someone who can write to the database but does
 * not hold the master key cannot forge a consistent chain after an edit.
 */
final class AuditChain {

    /** The previous hash of the first entry. */
    static final String GENESIS = "0".repeat(64);

    private static final byte[] PURPOSE = "anneal:audit-chain:v1".getBytes(StandardCharsets.UTF_8);

    private final DataKey key;

    AuditChain(DataKey key) {
        this.key = key;
    }

    String hash(AuditEntry entry) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(PURPOSE);
            out.writeUTF(entry.prevHash());
            out.writeLong(
                    entry.createdAt().getEpochSecond() * 1_000_000
                            + entry.createdAt().getNano() / 1000);
            field(out, entry.tenantId());
            field(out, entry.actor().type());
            field(out, entry.actor().id());
            field(out, entry.actor().name());
            field(out, entry.clientAddress());
            field(out, entry.requestId());
            field(out, entry.action());
            field(out, entry.target());
            field(out, entry.outcome());
            out.writeInt(entry.status());
            field(out, entry.errorCode());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(key.hmacSha256(bytes.toByteArray()));
    }

    boolean matches(AuditEntry entry) {
        return MessageDigest.isEqual(hash(entry).getBytes(), entry.hash().getBytes());
    }

    private static void field(DataOutputStream out, String value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeUTF(value);
        }
    }
}
