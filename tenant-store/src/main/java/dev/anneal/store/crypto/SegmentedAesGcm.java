package dev.anneal.store.crypto;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Streaming authenticated encryption of blobs of any size in memory of one segment, after the
 * STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár ("Online Authenticated-Encryption
 * and its Nonce-Reuse Misuse-Resistance", CRYPTO 2015) as used by Tink's AES-GCM-HKDF streaming
 * AEAD. One AES-GCM pass over a whole blob is not an option: the JDK's GCM decryption holds back
 * all plaintext until it has seen the last byte.
 *
 * <p>Format, version 1:
 *
 * <pre>
 * header   = "ANBL" || 0x01 || salt (16 random bytes) || noncePrefix (7 random bytes)
 * subkey   = HMAC-SHA256(dataKey, "anneal/blob/v1" || 0x00 || salt || UTF-8(blobId))
 * segment  = AES-256-GCM(subkey, nonce_i, aad = header || UTF-8(blobId), plaintext_i)
 * nonce_i  = noncePrefix || i (4 bytes, big-endian) || (0x01 if last segment else 0x00)
 * blob     = header || segment_0 || ... || segment_n
 * </pre>
 *
 * Every segment but the last holds exactly {@value #SEGMENT_SIZE} bytes of plaintext; the last
 * holds 0 to {@value #SEGMENT_SIZE} bytes, so an empty blob is a header and one empty final
 * segment. The segment index in the nonce detects reordering; the last-segment flag detects
 * truncation at a segment boundary and data appended after the end. A fresh salt gives every blob
 * its own subkey, so one data key can encrypt any number of blobs without nonce collisions; the
 * blob id in both key and associated data stops a blob from being read under another id.
 *
 * <p>The streams returned are not thread-safe, like other streams.
 */
public final class SegmentedAesGcm {

    /** Plaintext bytes per segment; every segment but the last is exactly this long. */
    public static final int SEGMENT_SIZE = 64 * 1024;

    /** Bytes of the GCM tag appended to each segment. */
    public static final int TAG_SIZE = 16;

    /** Bytes of the header that precedes the first segment. */
    public static final int HEADER_SIZE = 4 + 1 + 16 + 7;

    static final byte[] MAGIC = {'A', 'N', 'B', 'L'};
    static final byte VERSION = 1;
    static final int SALT_SIZE = 16;
    static final int NONCE_PREFIX_SIZE = 7;
    static final int NONCE_SIZE = 12;
    static final String TRANSFORMATION = "AES/GCM/NoPadding";

    /** Segments are numbered with 4 unsigned bytes: at most 2^32 segments, i.e. 256 TiB. */
    static final long MAX_SEGMENTS = 1L << 32;

    private static final byte[] KDF_LABEL = "anneal/blob/v1\0".getBytes(StandardCharsets.UTF_8);

    private SegmentedAesGcm() {}

    /**
     * A stream that encrypts what is written to it into {@code sink}. Nothing reaches the sink
     * before the first write or close; full segments are written as soon as the next byte arrives,
     * and {@link OutputStream#flush()} flushes the sink but cannot write a partial segment. {@link
     * OutputStream#close()} writes the last segment and closes {@code sink}; a blob is complete
     * only after that.
     */
    public static OutputStream encrypt(DataKey key, String blobId, OutputStream sink) {
        Objects.requireNonNull(key, "key");
        requireBlobId(blobId);
        Objects.requireNonNull(sink, "sink");
        return new SegmentEncryptingStream(key, blobId, sink);
    }

    /**
     * A stream that reads and decrypts a blob made by {@link #encrypt} from {@code source}. Each
     * segment is authenticated before any of its bytes are returned. Reading throws {@link
     * BlobIntegrityException} on tampering, truncation, extension, reordering, a wrong key or a
     * wrong blob id. {@link InputStream#close()} closes {@code source}.
     */
    public static InputStream decrypt(DataKey key, String blobId, InputStream source) {
        Objects.requireNonNull(key, "key");
        requireBlobId(blobId);
        Objects.requireNonNull(source, "source");
        return new SegmentDecryptingStream(key, blobId, source);
    }

    /** The bytes a blob of {@code plaintextLength} bytes takes once encrypted. */
    public static long ciphertextLength(long plaintextLength) {
        long segments = Math.max(1, (plaintextLength + SEGMENT_SIZE - 1) / SEGMENT_SIZE);
        return HEADER_SIZE + plaintextLength + segments * TAG_SIZE;
    }

    private static void requireBlobId(String blobId) {
        if (blobId == null || blobId.isEmpty()) {
            throw new IllegalArgumentException("blobId must not be empty.");
        }
    }

    /** The per-blob AES key, from the data key, the blob's salt and its id. */
    static SecretKeySpec deriveSubkey(DataKey key, byte[] salt, String blobId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.material(), "HmacSHA256"));
            mac.update(KDF_LABEL);
            mac.update(salt);
            mac.update(blobId.getBytes(StandardCharsets.UTF_8));
            return new SecretKeySpec(mac.doFinal(), "AES");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available in this JVM.", e);
        }
    }

    /** Header bytes followed by the blob id: the associated data of every segment. */
    static byte[] associatedData(byte[] header, String blobId) {
        byte[] id = blobId.getBytes(StandardCharsets.UTF_8);
        byte[] aad = new byte[header.length + id.length];
        System.arraycopy(header, 0, aad, 0, header.length);
        System.arraycopy(id, 0, aad, header.length, id.length);
        return aad;
    }

    /** Writes the nonce of segment {@code index} into {@code nonce}, whose prefix is set. */
    static void segmentNonce(byte[] nonce, long index, boolean last) {
        nonce[7] = (byte) (index >>> 24);
        nonce[8] = (byte) (index >>> 16);
        nonce[9] = (byte) (index >>> 8);
        nonce[10] = (byte) index;
        nonce[11] = (byte) (last ? 1 : 0);
    }

    static Cipher newCipher() {
        try {
            return Cipher.getInstance(TRANSFORMATION);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM.", e);
        }
    }
}
