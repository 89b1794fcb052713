package dev.anneal.store.crypto;

import static dev.anneal.store.TestBytes.random;
import static dev.anneal.store.TestBytes.repeat;
import static dev.anneal.store.crypto.SegmentedAesGcm.HEADER_SIZE;
import static dev.anneal.store.crypto.SegmentedAesGcm.SEGMENT_SIZE;
import static dev.anneal.store.crypto.SegmentedAesGcm.TAG_SIZE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SegmentedAesGcmTest {

    private static final String BLOB_ID = "tenant-1/file-abc";
    private static final int SEGMENT_CIPHERTEXT = SEGMENT_SIZE + TAG_SIZE;

    private final DataKey key = DataKey.generate();

    @ParameterizedTest
    @ValueSource(
            ints = {
                0,
                1,
                SEGMENT_SIZE - 1,
                SEGMENT_SIZE,
                SEGMENT_SIZE + 1,
                3 * SEGMENT_SIZE,
                3 * SEGMENT_SIZE + 7
            })
    void shouldRoundTripWhenPlaintextHasSize(int size) throws IOException {
        byte[] plaintext = random(size, size);

        byte[] ciphertext = encrypt(key, BLOB_ID, plaintext);

        assertThat(ciphertext).hasSize((int) SegmentedAesGcm.ciphertextLength(size));
        assertThat(decrypt(key, BLOB_ID, ciphertext)).isEqualTo(plaintext);
    }

    @Test
    void shouldRoundTripSeveralMegabytesWhenWrittenAndReadInOddChunks() throws Exception {
        byte[] plaintext = random(5 * 1024 * 1024 + 12_345, 42);
        Random chunks = new Random(7);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (OutputStream out = SegmentedAesGcm.encrypt(key, BLOB_ID, sink)) {
            int off = 0;
            while (off < plaintext.length) {
                if (chunks.nextInt(10) == 0) {
                    out.write(plaintext[off++]);
                    continue;
                }
                int len = Math.min(plaintext.length - off, 1 + chunks.nextInt(200_000));
                out.write(plaintext, off, len);
                off += len;
            }
        }

        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in =
                SegmentedAesGcm.decrypt(
                        key, BLOB_ID, new ByteArrayInputStream(sink.toByteArray()))) {
            byte[] buffer = new byte[3001];
            for (int n; (n = in.read(buffer, 0, 1 + chunks.nextInt(buffer.length))) != -1; ) {
                digest.update(buffer, 0, n);
            }
        }
        assertThat(digest.digest())
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(plaintext));
    }

    @Test
    void shouldReturnSameBytesWhenReadOneByteAtATime() throws IOException {
        byte[] plaintext = random(SEGMENT_SIZE + 100, 3);
        InputStream in =
                SegmentedAesGcm.decrypt(
                        key, BLOB_ID, new ByteArrayInputStream(encrypt(key, BLOB_ID, plaintext)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != -1; ) {
            out.write(b);
        }
        assertThat(out.toByteArray()).isEqualTo(plaintext);
    }

    @Test
    void shouldNotRevealPlaintextWhenEncrypted() throws IOException {
        byte[] marker = "SECRET-TRAINING-DATA-MARKER".getBytes(StandardCharsets.US_ASCII);
        byte[] plaintext = repeat(marker, 10_000);

        byte[] ciphertext = encrypt(key, BLOB_ID, plaintext);

        assertThat(indexOf(ciphertext, marker)).isEqualTo(-1);
        assertThat(encrypt(key, BLOB_ID, plaintext)).isNotEqualTo(ciphertext);
    }

    @Test
    void shouldFailAfterAuthenticatedSegmentsWhenMiddleByteIsFlipped() throws IOException {
        byte[] plaintext = random(3 * SEGMENT_SIZE, 1);
        byte[] ciphertext = encrypt(key, BLOB_ID, plaintext);
        ciphertext[HEADER_SIZE + SEGMENT_CIPHERTEXT + 1000] ^= 1;

        ByteArrayOutputStream returned = new ByteArrayOutputStream();
        assertThatThrownBy(() -> drain(key, BLOB_ID, ciphertext, returned))
                .isInstanceOf(BlobIntegrityException.class)
                .hasMessageContaining(BLOB_ID)
                .hasMessageContaining("segment 1");
        // Only the intact first segment was handed out, none of the damaged one.
        assertThat(returned.toByteArray()).isEqualTo(Arrays.copyOf(plaintext, SEGMENT_SIZE));
    }

    @Test
    void shouldFailWhenLastSegmentIsCut() throws IOException {
        byte[] ciphertext = encrypt(key, BLOB_ID, random(2 * SEGMENT_SIZE + 500, 2));

        byte[] cut = Arrays.copyOf(ciphertext, ciphertext.length - 1);

        assertThatThrownBy(() -> decrypt(key, BLOB_ID, cut))
                .isInstanceOf(BlobIntegrityException.class);
    }

    @Test
    void shouldReportTruncationWhenWholeLastSegmentIsDropped() throws IOException {
        byte[] ciphertext = encrypt(key, BLOB_ID, random(2 * SEGMENT_SIZE + 500, 2));

        byte[] cut = Arrays.copyOf(ciphertext, HEADER_SIZE + 2 * SEGMENT_CIPHERTEXT);

        assertThatThrownBy(() -> decrypt(key, BLOB_ID, cut))
                .isInstanceOf(BlobIntegrityException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void shouldReportTruncationWhenEmptyBlobLosesItsOnlySegment() throws IOException {
        byte[] ciphertext = encrypt(key, BLOB_ID, new byte[0]);

        byte[] headerOnly = Arrays.copyOf(ciphertext, HEADER_SIZE);

        assertThatThrownBy(() -> decrypt(key, BLOB_ID, headerOnly))
                .isInstanceOf(BlobIntegrityException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void shouldReportAppendedDataWhenSegmentIsAddedAfterTheLast() throws IOException {
        byte[] ciphertext = encrypt(key, BLOB_ID, random(SEGMENT_SIZE, 4));
        byte[] lastSegment = Arrays.copyOfRange(ciphertext, HEADER_SIZE, ciphertext.length);

        byte[] extended = concat(ciphertext, lastSegment);

        assertThatThrownBy(() -> decrypt(key, BLOB_ID, extended))
                .isInstanceOf(BlobIntegrityException.class)
                .hasMessageContaining("appended");
    }

    @Test
    void shouldFailWhenSegmentsAreSwapped() throws IOException {
        byte[] ciphertext = encrypt(key, BLOB_ID, random(3 * SEGMENT_SIZE, 5));
        byte[] swapped = ciphertext.clone();
        System.arraycopy(
                ciphertext,
                HEADER_SIZE + SEGMENT_CIPHERTEXT,
                swapped,
                HEADER_SIZE,
                SEGMENT_CIPHERTEXT);
        System.arraycopy(
                ciphertext,
                HEADER_SIZE,
                swapped,
                HEADER_SIZE + SEGMENT_CIPHERTEXT,
                SEGMENT_CIPHERTEXT);

        assertThatThrownBy(() -> decrypt(key, BLOB_ID, swapped))
                .isInstanceOf(BlobIntegrityException.class)
                .hasMessageContaining("segment 0");
    }

    @Test
    void shouldFailWhenBlobIdDiffers() throws IOException {
        byte[] ciphertext = encrypt(key, BLOB_ID, random(100, 6));

        assertThatThrownBy(() -> decrypt(key, "tenant-2/file-abc", ciphertext))
                .isInstanceOf(BlobIntegrityException.class)
                .hasMessageContaining("wrong data key, wrong blob id");
    }

    @Test
    void shouldFailWhenKeyDiffers() throws IOException {
        byte[] ciphertext = encrypt(key, BLOB_ID, new byte[0]);

        assertThatThrownBy(() -> decrypt(DataKey.generate(), BLOB_ID, ciphertext))
                .isInstanceOf(BlobIntegrityException.class);
    }

    @Test
    void shouldFailWhenSaltInHeaderIsChanged() throws IOException {
        byte[] ciphertext = encrypt(key, BLOB_ID, random(10, 8));
        ciphertext[6] ^= 1;

        assertThatThrownBy(() -> decrypt(key, BLOB_ID, ciphertext))
                .isInstanceOf(BlobIntegrityException.class);
    }

    @Test
    void shouldFailWhenSourceIsNotAnEncryptedBlob() {
        byte[] plain = "just some plain text that is long enough".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> decrypt(key, BLOB_ID, plain))
                .isInstanceOf(BlobIntegrityException.class)
                .hasMessageContaining("magic");
        assertThatThrownBy(() -> decrypt(key, BLOB_ID, new byte[3]))
                .isInstanceOf(BlobIntegrityException.class)
                .hasMessageContaining("header");
    }

    @Test
    void shouldKeepFailingWhenReadAgainAfterIntegrityFailure() throws IOException {
        byte[] ciphertext = encrypt(key, BLOB_ID, random(100, 9));
        ciphertext[ciphertext.length - 1] ^= 1;
        InputStream in =
                SegmentedAesGcm.decrypt(key, BLOB_ID, new ByteArrayInputStream(ciphertext));

        assertThatThrownBy(in::read).isInstanceOf(BlobIntegrityException.class);
        assertThatThrownBy(in::read).isInstanceOf(BlobIntegrityException.class);
    }

    @Test
    void shouldCloseSinkAndRefuseWritesWhenClosed() throws IOException {
        boolean[] sinkClosed = {false};
        ByteArrayOutputStream sink =
                new ByteArrayOutputStream() {
                    @Override
                    public void close() {
                        sinkClosed[0] = true;
                    }
                };
        OutputStream out = SegmentedAesGcm.encrypt(key, BLOB_ID, sink);
        out.write(1);

        out.close();
        out.close();

        assertThat(sinkClosed[0]).isTrue();
        assertThat(sink.size()).isEqualTo(HEADER_SIZE + 1 + TAG_SIZE);
        assertThatThrownBy(() -> out.write(2)).isInstanceOf(IOException.class);
    }

    @Test
    void shouldWriteNothingWhenOnlyFlushedBeforeSegmentIsFull() throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        OutputStream out = SegmentedAesGcm.encrypt(key, BLOB_ID, sink);

        out.write(new byte[SEGMENT_SIZE]);
        out.flush();
        assertThat(sink.size()).isZero();

        out.write(0);
        out.flush();
        assertThat(sink.size()).isEqualTo(HEADER_SIZE + SEGMENT_CIPHERTEXT);
    }

    static byte[] encrypt(DataKey key, String blobId, byte[] plaintext) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (OutputStream out = SegmentedAesGcm.encrypt(key, blobId, sink)) {
            out.write(plaintext);
        }
        return sink.toByteArray();
    }

    static byte[] decrypt(DataKey key, String blobId, byte[] ciphertext) throws IOException {
        try (InputStream in =
                SegmentedAesGcm.decrypt(key, blobId, new ByteArrayInputStream(ciphertext))) {
            return in.readAllBytes();
        }
    }

    private static void drain(DataKey key, String blobId, byte[] ciphertext, OutputStream into)
            throws IOException {
        try (InputStream in =
                SegmentedAesGcm.decrypt(key, blobId, new ByteArrayInputStream(ciphertext))) {
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) != -1; ) {
                into.write(buffer, 0, n);
            }
        }
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
