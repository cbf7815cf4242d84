package ai.kaizen.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The passwords of the embedded PostgreSQL's two roles, generated at the first start of a home and kept in
 * {@code home/postgres/pgpass}: mode 0600, in the format of psql's password file, so that the OS user who runs
 * Kaizen (and nobody else) can read them, and an operator can point {@code PGPASSFILE} at it.
 *
 * @param superuserPassword   the password of {@code postgres}, the cluster's superuser (used only to start the
 *                            server and to prepare the application's role and database)
 * @param applicationPassword the password of {@code kaizen}, the role the application logs in as
 */
record EmbeddedCredentials(String superuserPassword, String applicationPassword) {

    static final String SUPERUSER = "postgres";
    static final String APPLICATION_ROLE = "kaizen";

    private static final SecureRandom RANDOM = new SecureRandom();

    /** The passwords stored in {@code file}, if it exists. */
    static Optional<EmbeddedCredentials> read(Path file) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Map<String, String> passwords = new HashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                // host:port:database:user:password; our passwords never contain ':' or '\'.
                String[] fields = line.split(":", 5);
                if (!line.startsWith("#") && fields.length == 5) {
                    passwords.put(fields[3], fields[4]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file + ": " + e.getMessage(), e);
        }
        if (!passwords.containsKey(SUPERUSER) || !passwords.containsKey(APPLICATION_ROLE)) {
            throw new IllegalStateException(file + " lacks the password of '" + SUPERUSER + "' or '"
                    + APPLICATION_ROLE + "'; delete it while Kaizen is stopped: new ones are made at the next start");
        }
        return Optional.of(new EmbeddedCredentials(passwords.get(SUPERUSER), passwords.get(APPLICATION_ROLE)));
    }

    /**
     * The passwords stored in {@code file}, or new random ones stored there now (owner-only from the moment the file
     * appears). When two processes race to create it, both get the winner's.
     */
    static EmbeddedCredentials readOrCreate(Path file) {
        Optional<EmbeddedCredentials> stored = read(file);
        if (stored.isPresent()) {
            return stored.get();
        }
        EmbeddedCredentials generated = new EmbeddedCredentials(randomPassword(), randomPassword());
        try {
            Path temporary = Files.createTempFile(file.getParent(), "pgpass", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.write(temporary, generated.lines());
                // A link appears whole or not at all, and never replaces: a file another process wrote meanwhile wins.
                Files.createLink(file, temporary);
                return generated;
            } catch (FileAlreadyExistsException e) {
                return read(file).orElseThrow();
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file + ": " + e.getMessage(), e);
        }
    }

    private List<String> lines() {
        String host = EmbeddedPostgresServer.HOST; // the lines are for the embedded server's address only
        return List.of(
                "# Passwords of Kaizen's embedded PostgreSQL, made at its first start. Keep this file private (0600).",
                "# Maintenance: PGPASSFILE=<this file> psql -h " + host + " -p <port> -U " + APPLICATION_ROLE
                        + " " + EmbeddedPostgresServer.DATABASE,
                "# (the port is line 4 of data/postmaster.pid while the server runs)",
                host + ":*:*:" + SUPERUSER + ":" + superuserPassword,
                host + ":*:*:" + APPLICATION_ROLE + ":" + applicationPassword);
    }

    /** 192 random bits, URL-safe Base64: no character that pgpass, a URL or an SQL literal would need escaped. */
    private static String randomPassword() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Never prints the passwords (a record would). */
    @Override
    public String toString() {
        return "EmbeddedCredentials[****]";
    }
}
