package dev.anneal.store.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The operator's 256-bit key-encryption key. It never encrypts data itself; it wraps each tenant's
 * {@link DataKey} so that the wrapped key can be stored beside the tenant's rows.
 *
 * <p>Wrapped format: {@code version (1 byte, 0x01) || nonce (12) || AES-256-GCM(dataKey) (32) ||
 * tag (16)}, 61 bytes. The version byte and the tenant id are the associated data, so a wrapped key
 * copied to another tenant does not unwrap.
 *
 * <p>Immutable and thread-safe. {@link #toString()} never reveals key material.
 */
public final class MasterKey {

    /** The environment variable that conventionally holds the key, named in error messages. */
    public static final String ENV_VAR = "ANNEAL_MASTER_KEY";

    private static final int LENGTH = 32;
    private static final byte VERSION = 1;
    private static final int NONCE_LENGTH = 12;
    private static final int TAG_BITS = 128;
    private static final int WRAPPED_LENGTH = 1 + NONCE_LENGTH + DataKey.LENGTH + TAG_BITS / 8;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    private MasterKey(byte[] material) {
        this.key = new SecretKeySpec(material, "AES");
    }

    /** A fresh random key from a cryptographically strong source. */
    public static MasterKey generate() {
        byte[] material = new byte[LENGTH];
        RANDOM.nextBytes(material);
        return new MasterKey(material);
    }

    /**
     * The key encoded as standard base64, as in {@code ANNEAL_MASTER_KEY}.
     *
     * @throws IllegalArgumentException naming {@code ANNEAL_MASTER_KEY} if the text is not base64
     *     of exactly 32 bytes; the message never repeats the text
     */
    public static MasterKey fromBase64(String base64) {
        if (base64 == null || base64.isBlank()) {
            throw new IllegalArgumentException(
                    ENV_VAR
                            + " is empty; expected 32 random bytes in base64"
                            + " (e.g. the output of `openssl rand -base64 32`).");
        }
        byte[] material;
        try {
            material = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    ENV_VAR + " is not valid base64; expected 32 random bytes in base64.");
        }
        if (material.length != LENGTH) {
            throw new IllegalArgumentException(
                    ENV_VAR
                            + " decodes to "
                            + material.length
                            + " bytes; expected exactly 32 (AES-256).");
        }
        return new MasterKey(material);
    }

    /**
     * Reads the base64 key from {@code file}, or, if there is no such file, generates a key and
     * writes it there. The new file is created {@code rw-------} (owner only) and published
     * atomically, so a crash leaves either no file or a complete one. If another process creates
     * the file at the same moment, its key wins and is returned here too.
     *
     * @throws IllegalArgumentException if the file exists but does not hold a valid key
     */
    public static MasterKey loadOrCreate(Path file) throws IOException {
        String text = PrivateFiles.readOrCreateSecret(file, () -> generate().toBase64());
        try {
            return fromBase64(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Master key file " + file + ": " + e.getMessage());
        }
    }

    /**
     * A short public name of this key (16 hex digits of an HMAC under it), stored beside what it
     * wraps so that a rotation knows what is left to re-wrap; it reveals nothing of the key.
     */
    public String id() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
            byte[] tag = mac.doFinal("anneal:master-key-id".getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(tag, 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM.", e);
        }
    }

    /** The key as standard base64, for {@code ANNEAL_MASTER_KEY} or a key file. */
    public String toBase64() {
        return Base64.getEncoder().encodeToString(key.getEncoded());
    }

    /**
     * Encrypts {@code dataKey} for storage with {@code tenantId}; each call uses a fresh random
     * nonce, so wrapping the same key twice gives different bytes.
     */
    public byte[] wrap(DataKey dataKey, String tenantId) {
        Objects.requireNonNull(dataKey, "dataKey");
        byte[] aad = associatedData(tenantId);
        byte[] out = new byte[WRAPPED_LENGTH];
        out[0] = VERSION;
        byte[] nonce = new byte[NONCE_LENGTH];
        RANDOM.nextBytes(nonce);
        System.arraycopy(nonce, 0, out, 1, NONCE_LENGTH);
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(aad);
            cipher.doFinal(dataKey.material(), 0, DataKey.LENGTH, out, 1 + NONCE_LENGTH);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM.", e);
        }
        return out;
    }

    /**
     * Decrypts a key made by {@link #wrap} for the same {@code tenantId}.
     *
     * @throws KeyUnwrapException if the bytes were wrapped by another master key or for another
     *     tenant, or were damaged
     */
    public DataKey unwrap(byte[] wrapped, String tenantId) {
        Objects.requireNonNull(wrapped, "wrapped");
        byte[] aad = associatedData(tenantId);
        if (wrapped.length != WRAPPED_LENGTH) {
            throw new KeyUnwrapException(
                    "Wrapped data key of tenant '"
                            + tenantId
                            + "' is "
                            + wrapped.length
                            + " bytes; expected "
                            + WRAPPED_LENGTH
                            + ".");
        }
        if (wrapped[0] != VERSION) {
            throw new KeyUnwrapException(
                    "Wrapped data key of tenant '"
                            + tenantId
                            + "' has unknown format version "
                            + wrapped[0]
                            + ".");
        }
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(
                    Cipher.DECRYPT_MODE,
                    key,
                    new GCMParameterSpec(TAG_BITS, wrapped, 1, NONCE_LENGTH));
            cipher.updateAAD(aad);
            byte[] material =
                    cipher.doFinal(wrapped, 1 + NONCE_LENGTH, WRAPPED_LENGTH - 1 - NONCE_LENGTH);
            return DataKey.of(material);
        } catch (AEADBadTagException e) {
            throw new KeyUnwrapException(
                    "Wrapped data key of tenant '"
                            + tenantId
                            + "' does not authenticate: it was"
                            + " wrapped by another master key or for another tenant, or is"
                            + " damaged.",
                    e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM.", e);
        }
    }

    private static byte[] associatedData(String tenantId) {
        if (tenantId == null || tenantId.isEmpty()) {
            throw new IllegalArgumentException("tenantId must not be empty.");
        }
        byte[] id = tenantId.getBytes(StandardCharsets.UTF_8);
        byte[] aad = new byte[1 + id.length];
        aad[0] = VERSION;
        System.arraycopy(id, 0, aad, 1, id.length);
        return aad;
    }

    @Override
    public String toString() {
        return "MasterKey[redacted]";
    }
}
