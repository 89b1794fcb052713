package dev.anneal.store;

import java.security.SecureRandom;

/**
 * Makes the public identifiers of stored objects: a type prefix and 24 random base-62 characters
 * (about 143 bits), e.g. {@code file-3kTMd92JxQ0pWbVa7LhZcE1u}, in the manner of OpenAI's ids.
 * Random ids reveal neither counts nor order, so one tenant cannot probe another's.
 */
public final class Ids {

    private static final char[] ALPHABET =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {}

    /** A new id such as {@code prefix-XXXXXXXXXXXXXXXXXXXXXXXX}. */
    public static String newId(String prefix) {
        return prefix + "-" + randomToken(24);
    }

    /** {@code length} random base-62 characters from a cryptographically strong source. */
    public static String randomToken(int length) {
        char[] out = new char[length];
        for (int i = 0; i < length; i++) {
            out[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new String(out);
    }
}
