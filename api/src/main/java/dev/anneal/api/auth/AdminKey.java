package dev.anneal.api.auth;

import dev.anneal.store.Ids;
import dev.anneal.store.apikey.AdministratorKeys;
import dev.anneal.store.apikey.KeyDigest;
import dev.anneal.store.crypto.PrivateFiles;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The bootstrap administrator key, which creates tenants, their keys and named administrator keys
 * ({@link AdministratorKeys}): {@code ANNEAL_ADMIN_KEY} when set, otherwise a key generated on
 * first start and kept in {@code <data dir>/admin.key}, readable by its owner only.
 */
@Startup
@ApplicationScoped
public class AdminKey {

    public static final String FILE_NAME = "admin.key";

    private final byte[] digest;
    private final Optional<Path> file;

    @Inject
    AdminKey(
            @ConfigProperty(name = "anneal.admin-key") Optional<String> configured,
            @ConfigProperty(name = "anneal.data-dir") Path dataDir) {
        String secret;
        if (configured.isPresent() && !configured.get().isBlank()) {
            secret = configured.get().strip();
            file = Optional.empty();
        } else {
            Path path = dataDir.resolve(FILE_NAME);
            try {
                secret =
                        PrivateFiles.readOrCreateSecret(
                                path, () -> AdministratorKeys.SECRET_PREFIX + Ids.randomToken(40));
            } catch (IOException e) {
                throw new UncheckedIOException("Could not read or create " + path, e);
            }
            file = Optional.of(path.toAbsolutePath());
        }
        digest = KeyDigest.of(secret);
    }

    /** Whether {@code candidate} is the administrator key, in constant time. */
    public boolean matches(String candidate) {
        return MessageDigest.isEqual(digest, KeyDigest.of(candidate));
    }

    /** Where the generated key is kept, or empty when it comes from the environment. */
    public Optional<Path> file() {
        return file;
    }
}
