package dev.anneal.server.standalone;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Properties;

/**
 * The passwords of the embedded PostgreSQL: one for the {@code postgres} superuser, used only to
 * start and bootstrap the server, and one for the application's {@code anneal} role.
 *
 * <p>Generated on the first start and kept in a file readable by the owner only, inside the data
 * directory, so the same passwords work after a restart. The passwords are URL-safe Base64, so they
 * can be written into SQL literals and initdb's password file as they are.
 */
record PostgresCredentials(String superuserPassword, String applicationPassword) {

    /** Name of the credentials file inside the data directory. */
    static final String FILE_NAME = "anneal-credentials.properties";

    private static final String SUPERUSER_KEY = "superuser.password";
    private static final String APPLICATION_KEY = "anneal.password";
    private static final SecureRandom RANDOM = new SecureRandom();

    PostgresCredentials {
        requirePassword(superuserPassword, SUPERUSER_KEY);
        requirePassword(applicationPassword, APPLICATION_KEY);
    }

    static PostgresCredentials generate() {
        return new PostgresCredentials(randomPassword(), randomPassword());
    }

    /** Reads the credentials that {@link #store} wrote into {@code dataDir}. */
    static PostgresCredentials load(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE_NAME);
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw new IllegalStateException(
                    "PostgreSQL data directory "
                            + dataDir
                            + " has no "
                            + FILE_NAME
                            + "; it was not created by Anneal or its first start did not finish."
                            + " If it holds no data, delete the directory to start afresh",
                    e);
        }
        return new PostgresCredentials(
                properties.getProperty(SUPERUSER_KEY), properties.getProperty(APPLICATION_KEY));
    }

    /** Writes the credentials into {@code dataDir}, readable and writable by the owner only. */
    void store(Path dataDir) throws IOException {
        Properties properties = new Properties();
        properties.setProperty(SUPERUSER_KEY, superuserPassword);
        properties.setProperty(APPLICATION_KEY, applicationPassword);
        Path file = dataDir.resolve(FILE_NAME);
        createOwnerOnly(file);
        try (Writer writer =
                Files.newBufferedWriter(
                        file, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING)) {
            properties.store(writer, "Passwords of the embedded PostgreSQL; keep private");
        }
    }

    /** Writes the superuser password alone into a new temporary file, as initdb's --pwfile. */
    Path writeSuperuserPasswordFile() throws IOException {
        Path file = Files.createTempFile("anneal-pg-", ".pw");
        createOwnerOnly(file);
        Files.writeString(file, superuserPassword + "\n", StandardCharsets.UTF_8);
        return file;
    }

    @Override
    public String toString() {
        return "PostgresCredentials[redacted]";
    }

    private static void createOwnerOnly(Path file) throws IOException {
        if (!Files.exists(file)) {
            Files.createFile(file);
        }
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
    }

    private static String randomPassword() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static void requirePassword(String password, String key) {
        if (password == null || !password.matches("[A-Za-z0-9_-]{16,}")) {
            throw new IllegalArgumentException(
                    key + " must be at least 16 characters of URL-safe Base64");
        }
    }
}
