package dev.anneal.store.crypto;

import static dev.anneal.store.crypto.SegmentedAesGcm.HEADER_SIZE;
import static dev.anneal.store.crypto.SegmentedAesGcm.MAX_SEGMENTS;
import static dev.anneal.store.crypto.SegmentedAesGcm.NONCE_PREFIX_SIZE;
import static dev.anneal.store.crypto.SegmentedAesGcm.NONCE_SIZE;
import static dev.anneal.store.crypto.SegmentedAesGcm.SALT_SIZE;
import static dev.anneal.store.crypto.SegmentedAesGcm.SEGMENT_SIZE;
import static dev.anneal.store.crypto.SegmentedAesGcm.TAG_SIZE;

import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The decrypting half of {@link SegmentedAesGcm}. Reads one segment ahead by a single byte: a
 * segment is the last one exactly when the source ends within it, and that decides the last-segment
 * flag its nonce must carry. Holds one segment of ciphertext and one of plaintext; plaintext is
 * handed out only after its segment's tag has been verified.
 */
final class SegmentDecryptingStream extends InputStream {

    private static final int CIPHERTEXT_SEGMENT = SEGMENT_SIZE + TAG_SIZE;

    private final DataKey key;
    private final String blobId;
    private final InputStream source;
    private final Cipher cipher = SegmentedAesGcm.newCipher();
    private final byte[] nonce = new byte[NONCE_SIZE];
    private final byte[] ciphertext = new byte[CIPHERTEXT_SEGMENT + 1];
    private final byte[] plaintext = new byte[SEGMENT_SIZE];
    private SecretKeySpec subkey;
    private byte[] aad;
    private int ciphertextHeld;
    private int position;
    private int limit;
    private long segmentIndex;
    private boolean lastSegmentRead;
    private boolean closed;
    private BlobIntegrityException failure;

    SegmentDecryptingStream(DataKey key, String blobId, InputStream source) {
        this.key = key;
        this.blobId = blobId;
        this.source = source;
    }

    @Override
    public int read() throws IOException {
        if (!fill()) {
            return -1;
        }
        return plaintext[position++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, limit - position);
        System.arraycopy(plaintext, position, b, off, n);
        position += n;
        return n;
    }

    @Override
    public int available() throws IOException {
        ensureOpen();
        return limit - position;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        Arrays.fill(plaintext, (byte) 0);
        position = limit = 0;
        source.close();
    }

    /** Makes plaintext available; false at the end of the blob. */
    private boolean fill() throws IOException {
        ensureOpen();
        if (failure != null) {
            throw failure;
        }
        while (position == limit) {
            if (lastSegmentRead) {
                return false;
            }
            try {
                if (subkey == null) {
                    readHeader();
                }
                readSegment();
            } catch (BlobIntegrityException e) {
                failure = e;
                Arrays.fill(plaintext, (byte) 0);
                position = limit = 0;
                throw e;
            }
        }
        return true;
    }

    private void readHeader() throws IOException {
        byte[] header = new byte[HEADER_SIZE];
        int n = source.readNBytes(header, 0, HEADER_SIZE);
        if (n < HEADER_SIZE) {
            throw integrity("is truncated: its header has " + n + " of " + HEADER_SIZE + " bytes");
        }
        if (!Arrays.equals(header, 0, 4, SegmentedAesGcm.MAGIC, 0, 4)) {
            throw integrity("is not an encrypted Anneal blob (wrong magic bytes)");
        }
        if (header[4] != SegmentedAesGcm.VERSION) {
            throw integrity("has unsupported format version " + header[4]);
        }
        byte[] salt = Arrays.copyOfRange(header, 5, 5 + SALT_SIZE);
        System.arraycopy(header, 5 + SALT_SIZE, nonce, 0, NONCE_PREFIX_SIZE);
        subkey = SegmentedAesGcm.deriveSubkey(key, salt, blobId);
        aad = SegmentedAesGcm.associatedData(header, blobId);
    }

    private void readSegment() throws IOException {
        if (segmentIndex >= MAX_SEGMENTS) {
            throw integrity("has more than 2^32 segments");
        }
        ciphertextHeld +=
                source.readNBytes(ciphertext, ciphertextHeld, ciphertext.length - ciphertextHeld);
        // One byte past a full segment means another segment follows.
        boolean last = ciphertextHeld <= CIPHERTEXT_SEGMENT;
        int length = last ? ciphertextHeld : CIPHERTEXT_SEGMENT;
        if (length < TAG_SIZE) {
            throw integrity(
                    "is truncated: segment "
                            + segmentIndex
                            + " has "
                            + length
                            + " bytes, less than its "
                            + TAG_SIZE
                            + "-byte tag");
        }
        try {
            limit = decryptSegment(length, last);
        } catch (AEADBadTagException e) {
            throw integrity(diagnose(length, last), e);
        }
        position = 0;
        segmentIndex++;
        lastSegmentRead = last;
        if (!last) {
            ciphertext[0] = ciphertext[CIPHERTEXT_SEGMENT];
            ciphertextHeld = 1;
        } else {
            ciphertextHeld = 0;
        }
    }

    private int decryptSegment(int length, boolean last) throws AEADBadTagException {
        SegmentedAesGcm.segmentNonce(nonce, segmentIndex, last);
        try {
            cipher.init(Cipher.DECRYPT_MODE, subkey, new GCMParameterSpec(TAG_SIZE * 8, nonce));
            cipher.updateAAD(aad);
            return cipher.doFinal(ciphertext, 0, length, plaintext, 0);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed.", e);
        }
    }

    /**
     * Why a segment failed, for the message. Trying the opposite last-segment flag tells a cut or
     * an extension at a segment boundary from other damage; that plaintext is discarded.
     */
    private String diagnose(int length, boolean last) {
        String segment = "segment " + segmentIndex;
        try {
            decryptSegment(length, !last);
            return last
                    ? "is truncated: "
                            + segment
                            + " is not the last segment, but the data ends there"
                    : "has data appended after its last segment (" + segment + ")";
        } catch (AEADBadTagException e) {
            return segmentIndex == 0
                    ? "failed authentication at segment 0: wrong data key, wrong blob id, or"
                            + " damaged data"
                    : "failed authentication at " + segment + ": damaged or reordered data";
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
    }

    private BlobIntegrityException integrity(String problem) {
        return new BlobIntegrityException("Encrypted blob '" + blobId + "' " + problem + ".");
    }

    private BlobIntegrityException integrity(String problem, Throwable cause) {
        return new BlobIntegrityException(
                "Encrypted blob '" + blobId + "' " + problem + ".", cause);
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("Decrypting stream is closed.");
        }
    }
}
