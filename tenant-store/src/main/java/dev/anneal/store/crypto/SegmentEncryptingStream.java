package dev.anneal.store.crypto;

import static dev.anneal.store.crypto.SegmentedAesGcm.HEADER_SIZE;
import static dev.anneal.store.crypto.SegmentedAesGcm.MAX_SEGMENTS;
import static dev.anneal.store.crypto.SegmentedAesGcm.NONCE_PREFIX_SIZE;
import static dev.anneal.store.crypto.SegmentedAesGcm.NONCE_SIZE;
import static dev.anneal.store.crypto.SegmentedAesGcm.SALT_SIZE;
import static dev.anneal.store.crypto.SegmentedAesGcm.SEGMENT_SIZE;
import static dev.anneal.store.crypto.SegmentedAesGcm.TAG_SIZE;

import java.io.IOException;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The encrypting half of {@link SegmentedAesGcm}. Holds one segment of plaintext and one of
 * ciphertext; a write of more than a segment is encrypted straight from the caller's array.
 */
final class SegmentEncryptingStream extends OutputStream {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final OutputStream sink;
    private final Cipher cipher = SegmentedAesGcm.newCipher();
    private final SecretKeySpec subkey;
    private final byte[] header = new byte[HEADER_SIZE];
    private final byte[] aad;
    private final byte[] nonce = new byte[NONCE_SIZE];
    private final byte[] plaintext = new byte[SEGMENT_SIZE];
    private final byte[] ciphertext = new byte[SEGMENT_SIZE + TAG_SIZE];
    private int buffered;
    private long segmentIndex;
    private boolean headerWritten;
    private boolean closed;
    private boolean failed;

    SegmentEncryptingStream(DataKey key, String blobId, OutputStream sink) {
        this.sink = sink;
        byte[] salt = new byte[SALT_SIZE];
        RANDOM.nextBytes(salt);
        RANDOM.nextBytes(nonce);
        System.arraycopy(SegmentedAesGcm.MAGIC, 0, header, 0, 4);
        header[4] = SegmentedAesGcm.VERSION;
        System.arraycopy(salt, 0, header, 5, SALT_SIZE);
        System.arraycopy(nonce, 0, header, 5 + SALT_SIZE, NONCE_PREFIX_SIZE);
        this.subkey = SegmentedAesGcm.deriveSubkey(key, salt, blobId);
        this.aad = SegmentedAesGcm.associatedData(header, blobId);
    }

    @Override
    public void write(int b) throws IOException {
        ensureOpen();
        if (buffered == SEGMENT_SIZE) {
            writeSegment(plaintext, 0, SEGMENT_SIZE, false);
            buffered = 0;
        }
        plaintext[buffered++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        while (len > 0) {
            if (buffered == SEGMENT_SIZE) {
                writeSegment(plaintext, 0, SEGMENT_SIZE, false);
                buffered = 0;
            }
            // More than a segment left means this one cannot be the last: skip the copy.
            if (buffered == 0 && len > SEGMENT_SIZE) {
                writeSegment(b, off, SEGMENT_SIZE, false);
                off += SEGMENT_SIZE;
                len -= SEGMENT_SIZE;
                continue;
            }
            int n = Math.min(SEGMENT_SIZE - buffered, len);
            System.arraycopy(b, off, plaintext, buffered, n);
            buffered += n;
            off += n;
            len -= n;
        }
    }

    /** Flushes the sink; plaintext of a segment not yet full stays here until more or close. */
    @Override
    public void flush() throws IOException {
        ensureOpen();
        sink.flush();
    }

    /** Writes the last segment and closes the sink. Does nothing the second time. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (sink) {
            // After a failed write the sink holds a broken blob; a last segment would not fix it.
            if (failed) {
                throw new IOException("Encrypting stream failed earlier; the blob is incomplete.");
            }
            writeSegment(plaintext, 0, buffered, true);
            sink.flush();
        } finally {
            Arrays.fill(plaintext, (byte) 0);
            buffered = 0;
        }
    }

    private void writeSegment(byte[] src, int off, int len, boolean last) throws IOException {
        if (segmentIndex >= MAX_SEGMENTS) {
            failed = true;
            throw new IOException("Blob exceeds the maximum of 2^32 segments (256 TiB).");
        }
        boolean ok = false;
        try {
            if (!headerWritten) {
                sink.write(header);
                headerWritten = true;
            }
            SegmentedAesGcm.segmentNonce(nonce, segmentIndex, last);
            cipher.init(Cipher.ENCRYPT_MODE, subkey, new GCMParameterSpec(TAG_SIZE * 8, nonce));
            cipher.updateAAD(aad);
            int n = cipher.doFinal(src, off, len, ciphertext, 0);
            sink.write(ciphertext, 0, n);
            segmentIndex++;
            ok = true;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed.", e);
        } finally {
            failed |= !ok;
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("Encrypting stream is closed.");
        }
        if (failed) {
            throw new IOException("Encrypting stream failed earlier; the blob is incomplete.");
        }
    }
}
