package dev.anneal.store.crypto;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A tenant's 256-bit AES data key, which encrypts that tenant's blobs. It is stored only wrapped by
 * the {@link MasterKey}; forgetting the wrapped key makes the tenant's blobs unreadable
 * (crypto-shredding).
 *
 * <p>Immutable and thread-safe. {@link #toString()} never reveals key material.
 */
public final class DataKey {

    /** Key length in bytes. */
    public static final int LENGTH = 32;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] material;

    private DataKey(byte[] material) {
        this.material = material;
    }

    /** A fresh random key from a cryptographically strong source. */
    public static DataKey generate() {
        byte[] material = new byte[LENGTH];
        RANDOM.nextBytes(material);
        return new DataKey(material);
    }

    /**
     * A key made from 32 bytes of key material; the array is copied.
     *
     * @throws IllegalArgumentException if {@code material} is not 32 bytes long
     */
    public static DataKey of(byte[] material) {
        Objects.requireNonNull(material, "material");
        if (material.length != LENGTH) {
            throw new IllegalArgumentException(
                    "A data key must be " + LENGTH + " bytes, got " + material.length + ".");
        }
        return new DataKey(material.clone());
    }

    /** The key material itself, not a copy: callers in this package must not change it. */
    byte[] material() {
        return material;
    }

    /**
     * HMAC-SHA256 of {@code message} under this key: for integrity chains and keyed hashes that
     * group equal values without revealing them. Callers put a purpose of their own at the start of
     * the message, so that MACs made for one purpose never stand in for another's.
     */
    public byte[] hmacSha256(byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(material, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM.", e);
        }
    }

    @Override
    public String toString() {
        return "DataKey[redacted]";
    }
}
