package dev.anneal.store.crypto;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
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
    private static final byte SEAL_VERSION = 1;
    private static final int NONCE_LENGTH = 12;
    private static final int TAG_BITS = 128;

    /**
     * One cipher and one MAC per thread, initialised for each use: looking them up in the providers
     * cost more than sealing a short field (the feedback consumer seals several per judgement).
     */
    private static final ThreadLocal<Cipher> GCM = ThreadLocal.withInitial(DataKey::newCipher);

    private static final ThreadLocal<KeyedMac> HMAC = ThreadLocal.withInitial(KeyedMac::new);

    /**
     * Nonces from a generator of each thread's own (NIST SP 800-90A's Hash_DRBG, seeded from the
     * system's source): the shared default reads {@code /dev/urandom} under a lock for every nonce,
     * which cost the feedback consumer a tenth of its time.
     */
    private static final ThreadLocal<Nonces> NONCES = ThreadLocal.withInitial(Nonces::new);

    private final byte[] material;
    private final SecretKeySpec aesKey;
    private final SecretKeySpec hmacKey;

    private DataKey(byte[] material) {
        this.material = material;
        this.aesKey = new SecretKeySpec(material, "AES");
        this.hmacKey = new SecretKeySpec(material, "HmacSHA256");
    }

    private static Cipher newCipher() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available.", e);
        }
    }

    private static Mac newMac() {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available.", e);
        }
    }

    private static SecureRandom nonceGenerator() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The DRBG random generator is not available.", e);
        }
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
     * Encrypts a small value (a database field) with AES-256-GCM under a fresh random nonce: {@code
     * version (0x01) || nonce (12) || ciphertext || tag (16)}. {@code associatedData} binds it to
     * its place (tenant, row, column), so a sealed value copied elsewhere does not open.
     */
    public byte[] seal(byte[] plaintext, byte[] associatedData) {
        byte[] out = new byte[1 + NONCE_LENGTH + plaintext.length + TAG_BITS / 8];
        out[0] = SEAL_VERSION;
        NONCES.get().next(out, 1);
        try {
            Cipher cipher = GCM.get();
            cipher.init(
                    Cipher.ENCRYPT_MODE,
                    aesKey,
                    new GCMParameterSpec(TAG_BITS, out, 1, NONCE_LENGTH));
            cipher.updateAAD(associatedData);
            cipher.doFinal(plaintext, 0, plaintext.length, out, 1 + NONCE_LENGTH);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM.", e);
        }
    }

    /**
     * Decrypts what {@link #seal} made with the same associated data.
     *
     * @throws KeyUnwrapException if it was sealed under another key or for another place, or was
     *     altered
     */
    public byte[] open(byte[] sealed, byte[] associatedData) {
        if (sealed.length < 1 + NONCE_LENGTH + TAG_BITS / 8 || sealed[0] != SEAL_VERSION) {
            throw new KeyUnwrapException("A sealed value is damaged or of an unknown format.");
        }
        try {
            Cipher cipher = GCM.get();
            cipher.init(
                    Cipher.DECRYPT_MODE,
                    aesKey,
                    new GCMParameterSpec(TAG_BITS, sealed, 1, NONCE_LENGTH));
            cipher.updateAAD(associatedData);
            return cipher.doFinal(sealed, 1 + NONCE_LENGTH, sealed.length - 1 - NONCE_LENGTH);
        } catch (AEADBadTagException e) {
            throw new KeyUnwrapException(
                    "A sealed value does not authenticate: it was sealed under another key or for"
                            + " another place, or was altered.",
                    e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM.", e);
        }
    }

    /**
     * HMAC-SHA256 of {@code message} under this key: for integrity chains and keyed hashes that
     * group equal values without revealing them. Callers put a purpose of their own at the start of
     * the message, so that MACs made for one purpose never stand in for another's.
     */
    public byte[] hmacSha256(byte[] message) {
        try {
            return HMAC.get().under(this).doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM.", e);
        }
    }

    /**
     * A thread's MAC and the key it was last initialised with: {@code doFinal} leaves it ready for
     * that key again, so initialising it anew (two hash blocks) is needed only for another key.
     */
    private static final class KeyedMac {
        private final Mac mac = newMac();
        private DataKey key;

        Mac under(DataKey wanted) throws GeneralSecurityException {
            if (key != wanted) {
                key = null; // a failed init leaves no key behind
                mac.init(wanted.hmacKey);
                key = wanted;
            }
            return mac;
        }
    }

    /**
     * A thread's nonces, drawn from its generator 64 at a time: each draw of Hash_DRBG costs
     * several hash blocks whatever its length, so one per nonce cost more than the encryption.
     */
    private static final class Nonces {
        private static final int BATCH = 64;

        private final SecureRandom generator = nonceGenerator();
        private final byte[] buffer = new byte[BATCH * NONCE_LENGTH];
        private int next = buffer.length;

        /** Writes a fresh nonce to {@code out} at {@code offset}. */
        void next(byte[] out, int offset) {
            if (next == buffer.length) {
                generator.nextBytes(buffer);
                next = 0;
            }
            System.arraycopy(buffer, next, out, offset, NONCE_LENGTH);
            Arrays.fill(buffer, next, next + NONCE_LENGTH, (byte) 0); // used once, kept nowhere
            next += NONCE_LENGTH;
        }
    }

    @Override
    public String toString() {
        return "DataKey[redacted]";
    }
}
