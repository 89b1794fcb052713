package dev.anneal.store.blob;

import java.util.regex.Pattern;

/**
 * The address of a blob: the tenant that owns it and its name within that tenant. Both parts are
 * safe as single path segments: 1 to 200 characters of {@code [A-Za-z0-9._-]}, not starting with a
 * dot, so neither {@code ..} nor a hidden or pending file can be named.
 *
 * @param tenantId the owning tenant
 * @param name the blob's name, unique within the tenant (e.g. a file id)
 */
public record BlobKey(String tenantId, String name) {

    /** Longest allowed tenant id or name. */
    public static final int MAX_LENGTH = 200;

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._-]+");

    /**
     * @throws IllegalArgumentException naming {@code tenantId} or {@code name} if it is not a safe
     *     path segment
     */
    public BlobKey {
        requireSafe("tenantId", tenantId);
        requireSafe("name", name);
    }

    /**
     * The id that binds the ciphertext to this key: a blob's bytes moved to another tenant or name
     * no longer decrypt.
     */
    public String blobId() {
        return tenantId + "/" + name;
    }

    /** Checks one part of a key; {@code what} names the part in the message. */
    static String requireSafe(String what, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("Blob " + what + " must not be empty.");
        }
        if (value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(
                    "Blob "
                            + what
                            + " is "
                            + value.length()
                            + " characters; at most "
                            + MAX_LENGTH
                            + " allowed.");
        }
        if (!SAFE.matcher(value).matches() || value.charAt(0) == '.') {
            throw new IllegalArgumentException(
                    "Blob "
                            + what
                            + " '"
                            + printable(value)
                            + "' may hold only letters, digits,"
                            + " '.', '_' and '-', and may not start with '.'.");
        }
        return value;
    }

    private static String printable(String value) {
        StringBuilder out = new StringBuilder();
        value.codePoints()
                .limit(60)
                .forEach(c -> out.append(c >= 0x20 && c < 0x7f ? Character.toString(c) : "?"));
        return value.length() > 60 ? out + "..." : out.toString();
    }
}
