package dev.anneal.store.crypto;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The current master key, which wraps every new data key, and the previous ones still configured
 * during a rotation ({@code ANNEAL_PREVIOUS_MASTER_KEYS}), which only unwrap. Each wrapped key is
 * stored with the id of the master key that wrapped it ({@link MasterKey#id()}); a wrapped key
 * without one (stored before ids were) is tried under every key.
 */
public final class MasterKeyRing {

    private final MasterKey current;
    private final Map<String, MasterKey> byId = new LinkedHashMap<>();

    public MasterKeyRing(MasterKey current, List<MasterKey> previous) {
        this.current = current;
        byId.put(current.id(), current);
        for (MasterKey key : previous) {
            byId.putIfAbsent(key.id(), key);
        }
    }

    public MasterKey current() {
        return current;
    }

    /** The ids of the configured previous keys. */
    public List<String> previousIds() {
        List<String> ids = new ArrayList<>(byId.keySet());
        ids.remove(current.id());
        return ids;
    }

    /**
     * Unwraps a data key wrapped for {@code owner} by the master key {@code masterKeyId} (null when
     * unknown: every key is tried).
     *
     * @throws KeyUnwrapException when no configured key unwraps it, naming the key it needs
     */
    public DataKey unwrap(byte[] wrapped, String owner, String masterKeyId) {
        if (masterKeyId != null) {
            MasterKey key = byId.get(masterKeyId);
            if (key == null) {
                throw new KeyUnwrapException(
                        "The data key of '"
                                + owner
                                + "' is wrapped by master key "
                                + masterKeyId
                                + ", which is not configured: add it to"
                                + " ANNEAL_PREVIOUS_MASTER_KEYS until the rotation finished.");
            }
            return key.unwrap(wrapped, owner);
        }
        KeyUnwrapException last = null;
        for (MasterKey key : byId.values()) {
            try {
                return key.unwrap(wrapped, owner);
            } catch (KeyUnwrapException e) {
                last = e;
            }
        }
        throw last;
    }

    /** The id of the configured key that unwraps it, or null when none does. */
    public String whichUnwraps(byte[] wrapped, String owner) {
        for (MasterKey key : byId.values()) {
            try {
                key.unwrap(wrapped, owner);
                return key.id();
            } catch (KeyUnwrapException e) {
                // the next
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "MasterKeyRing[current=" + current.id() + ", previous=" + previousIds() + "]";
    }
}
