package ai.kaizen.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PostgreSQL outlives a Kaizen killed with SIGKILL; the next Kaizen stops such an orphan and starts its own. */
class EmbeddedPostgresOrphanTest {

    @TempDir
    Path home;

    /** A Kaizen that starts the embedded server and then waits to be killed. */
    public static final class Starter {
        public static void main(String[] args) throws Exception {
            EmbeddedPostgresServer.start(Path.of(args[0]), 0);
            System.out.println("started");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    @Test
    void aServerLeftRunningByAKaizenThatWasKilledIsStoppedAndStartedAgainAsOurs() throws Exception {
        Process kaizen = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Starter.class.getName(), home.toString())
                .redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(kaizen.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            do {
                line = out.readLine();
            } while (line != null && !line.equals("started"));
            assertThat(line).as("the first Kaizen started its server").isEqualTo("started");
        }
        long orphan = EmbeddedPostgresServer.postmaster(home.resolve("postgres/data")).orElseThrow().pid();
        kaizen.destroyForcibly().waitFor(); // SIGKILL: PostgreSQL, detached, runs on

        assertThat(ProcessHandle.of(orphan).filter(ProcessHandle::isAlive)).isPresent();
        try (EmbeddedPostgresServer second = EmbeddedPostgresServer.start(home, 0)) {
            assertThat(second.isOwner()).as("this process owns the server now, and stops it at close").isTrue();
            assertThat(ProcessHandle.of(orphan).filter(ProcessHandle::isAlive)).as("the orphan stopped").isEmpty();
            assertThat(ServerOwner.read(home.resolve("postgres/owner"))).contains(ServerOwner.current());
            DatabaseUrl url = second.url();
            Properties login = new Properties();
            login.setProperty("user", url.user());
            login.setProperty("password", url.password());
            try (Connection c = DriverManager.getConnection(url.jdbcUrl(), login);
                 ResultSet rs = c.createStatement().executeQuery("SELECT 1")) {
                assertThat(rs.next()).isTrue();
            }
        }
        assertThat(EmbeddedPostgresServer.postmaster(home.resolve("postgres/data"))).isEmpty();
    }

    @Test
    void aClosedServerStaysStoppedWhateverAskedToRestartIt(@TempDir Path own) {
        EmbeddedPostgresServer server = EmbeddedPostgresServer.start(own, 0);
        server.close();
        // the database watch may still run while the application shuts down: it must not start the server again
        assertThat(server.restartIfDown()).isFalse();
        assertThat(EmbeddedPostgresServer.postmaster(own.resolve("postgres/data"))).isEmpty();
        assertThat(server.isOwner()).isFalse();
        server.close(); // a second close is harmless
    }

    @Test
    void anOwnerRecordIsReadBackAndADeadOwnerIsToldFromALiveOne() throws Exception {
        Path file = home.resolve("owner");
        ServerOwner.current().write(file);
        assertThat(ServerOwner.read(file)).contains(ServerOwner.current());
        assertThat(ServerOwner.current().isAlive()).isTrue();
        // the same process id with another start time is another process (the id was handed out again)
        assertThat(new ServerOwner(ProcessHandle.current().pid(), Instant.EPOCH).isAlive()).isFalse();
        assertThat(ServerOwner.read(home.resolve("none"))).isEmpty();
    }
}
