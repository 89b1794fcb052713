package dev.anneal.store.apikey;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** The SHA-256 digest under which key secrets are stored and compared (ADR 0004). */
public final class KeyDigest {

    private KeyDigest() {}

    /** SHA-256 of the secret's UTF-8 bytes. */
    public static byte[] of(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256")
                    .digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
