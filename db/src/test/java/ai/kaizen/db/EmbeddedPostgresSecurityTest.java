package ai.kaizen.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The embedded PostgreSQL trusts nobody (issue #16): other local users cannot log in without the password that only
 * Kaizen's OS user can read, the application's role is no superuser, and nothing under the home is open to others.
 */
class EmbeddedPostgresSecurityTest {

    private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");

    @TempDir
    static Path home;
    private static EmbeddedPostgresServer server;

    @BeforeAll
    static void start() {
        server = EmbeddedPostgresServer.start(home, 0);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void loginsWithoutTheStoredPasswordAreRefused() {
        int port = server.url().port();
        for (String user : List.of("postgres", "kaizen")) {
            assertThatThrownBy(() -> connect(port, user, null).close()).as(user + " without a password")
                    .isInstanceOf(SQLException.class);
            assertThatThrownBy(() -> connect(port, user, "wrong").close()).as(user + " with a wrong password")
                    .isInstanceOf(SQLException.class);
        }
    }

    @Test
    void theApplicationLogsInWithTheStoredPasswordAsARoleThatIsNoSuperuser() throws Exception {
        DatabaseUrl url = server.url();
        assertThat(url.user()).isEqualTo("kaizen");
        assertThat(url.password()).isEqualTo(storedPassword(home, "kaizen")).hasSizeGreaterThanOrEqualTo(20);
        try (Connection c = connect(url.port(), url.user(), url.password()); Statement s = c.createStatement()) {
            assertThat(single(s, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).isEqualTo("f");
            assertThat(single(s, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'kaizen'"))
                    .isEqualTo("kaizen");
            assertThatThrownBy(() -> s.execute("COPY (SELECT 1) TO PROGRAM 'id'"))
                    .hasMessageContaining("permission denied");
            assertThatThrownBy(() -> s.execute("CREATE ROLE intruder SUPERUSER"))
                    .hasMessageContaining("permission denied");
        }
    }

    @Test
    void noTrustInPgHbaAndNoSocketInTmpAndOnlyLoopbackListens() throws Exception {
        assertThat(hbaRules(home)).isNotEmpty().noneMatch(rule -> rule.contains("trust"))
                .allMatch(rule -> rule.startsWith("host ") && rule.endsWith(" scram-sha-256"));
        int port = server.url().port();
        assertThat(Path.of("/tmp/.s.PGSQL." + port)).doesNotExist();
        try (Connection c = connect(port, "postgres", storedPassword(home, "postgres"));
             Statement s = c.createStatement()) {
            assertThat(single(s, "SHOW listen_addresses")).isEqualTo("127.0.0.1");
            assertThat(single(s, "SHOW unix_socket_directories")).isEmpty();
            assertThat(single(s, "SHOW fsync")).isEqualTo("on");
            assertThat(single(s, "SHOW synchronous_commit")).isEqualTo("on");
        }
    }

    @Test
    void everythingUnderTheHomeIsOpenToItsOwnerOnly() throws IOException {
        assertOwnerOnly(home);
    }

    @Test
    void aSecondStartOnTheSameHomeSharesTheServerWithTheStoredPassword() throws Exception {
        try (EmbeddedPostgresServer second = EmbeddedPostgresServer.start(home, 0)) {
            assertThat(second.isOwner()).isFalse();
            DatabaseUrl url = second.url();
            assertThat(url.port()).isEqualTo(server.url().port());
            assertThat(url.user()).isEqualTo("kaizen");
            assertThat(url.password()).isEqualTo(server.url().password());
            try (Connection c = connect(url.port(), url.user(), url.password()); Statement s = c.createStatement()) {
                assertThat(single(s, "SELECT current_user")).isEqualTo("kaizen");
            }
        }
        // The attached one left the server running.
        try (Connection c = connect(server.url().port(), "kaizen", server.url().password())) {
            assertThat(c.isValid(5)).isTrue();
        }
    }

    /** The finding as reported: another local user logs in with psql, no password asked. */
    @Test
    void anotherLocalUserCannotLogInWithPsql() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to switch users");
        assumeTrue(onPath("runuser") && onPath("psql"), "needs runuser and psql");
        for (String user : List.of("postgres", "kaizen")) {
            Process psql = new ProcessBuilder("runuser", "-u", "nobody", "--", "psql", "-w", "-h", "127.0.0.1",
                    "-p", Integer.toString(server.url().port()), "-U", user, "-d", "kaizen", "-c", "SELECT 1")
                    .redirectErrorStream(true).start();
            String output = new String(psql.getInputStream().readAllBytes());
            assertThat(psql.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(psql.exitValue()).as(output).isNotZero();
            assertThat(output).contains("password");
        }
    }

    /** A home made by the Kaizen before this fix: trust everywhere, one superuser owning everything. */
    @Test
    void aHomeCreatedTheOldWayIsUpgradedAtTheNextStart(@TempDir Path oldHome) throws Exception {
        Path data = oldHome.resolve("postgres/data");
        Path binaries = oldHome.resolve("postgres/bin");
        Files.createDirectories(data);
        Files.createDirectories(binaries);
        try (EmbeddedPostgres old = EmbeddedPostgres.builder().setDataDirectory(data.toFile())
                .setCleanDataDirectory(false).setOverrideWorkingDirectory(binaries.toFile()).start()) {
            try (Connection c = old.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE kaizen ENCODING 'UTF8'");
            }
            // An older schema: the migrations added since then must run as the application's role after the upgrade.
            Flyway.configure().dataSource(old.getJdbcUrl("postgres", "kaizen"), "postgres", "")
                    .locations("classpath:db/migration").target("7").load().migrate();
            try (Connection c = old.getDatabase("postgres", "kaizen").getConnection();
                 Statement s = c.createStatement()) {
                s.execute("INSERT INTO setting (key, value) VALUES ('kept', 'across the upgrade')");
            }
        }
        assertThat(hbaRules(oldHome)).anyMatch(rule -> rule.contains("trust"));
        // What the security run saw: the binaries' directory writable by everyone.
        Files.setPosixFilePermissions(binaries, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setPosixFilePermissions(oldHome.resolve("postgres"), PosixFilePermissions.fromString("rwxr-xr-x"));

        try (EmbeddedPostgresServer upgraded = EmbeddedPostgresServer.start(oldHome, 0)) {
            assertThat(hbaRules(oldHome)).isNotEmpty().noneMatch(rule -> rule.contains("trust"));
            assertOwnerOnly(oldHome);
            DatabaseUrl url = upgraded.url();
            assertThatThrownBy(() -> connect(url.port(), "postgres", null).close()).isInstanceOf(SQLException.class);
            assertThat(url.user()).isEqualTo("kaizen");
            assertThat(url.password()).isEqualTo(storedPassword(oldHome, "kaizen"));
            assertThat(Integer.parseInt(Migrations.migrate(url))).isGreaterThanOrEqualTo(8);
            try (Connection c = connect(url.port(), url.user(), url.password()); Statement s = c.createStatement()) {
                assertThat(single(s, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).isEqualTo("f");
                assertThat(single(s, "SELECT value FROM setting WHERE key = 'kept'")).isEqualTo("across the upgrade");
                assertThat(single(s, """
                        SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) <> 'kaizen'""")).isEqualTo("0");
                assertThat(single(s, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'kaizen'"))
                        .isEqualTo("kaizen");
                // Owner of the tables: later migrations can change them.
                s.execute("ALTER TABLE setting ADD COLUMN probe integer");
                s.execute("ALTER TABLE setting DROP COLUMN probe");
            }
        }
        // A restart of the upgraded home needs no further change and keeps the password.
        String password = storedPassword(oldHome, "kaizen");
        try (EmbeddedPostgresServer again = EmbeddedPostgresServer.start(oldHome, 0)) {
            assertThat(again.url().password()).isEqualTo(password);
            try (Connection c = connect(again.url().port(), "kaizen", password); Statement s = c.createStatement()) {
                assertThat(single(s, "SELECT value FROM setting WHERE key = 'kept'")).isEqualTo("across the upgrade");
            }
        }
        // A lost password file: new passwords at the next start, and the old ones no longer open anything.
        Files.delete(oldHome.resolve("postgres/pgpass"));
        try (EmbeddedPostgresServer renewed = EmbeddedPostgresServer.start(oldHome, 0)) {
            assertThat(renewed.url().password()).isNotEqualTo(password).isEqualTo(storedPassword(oldHome, "kaizen"));
            assertThatThrownBy(() -> connect(renewed.url().port(), "kaizen", password).close())
                    .isInstanceOf(SQLException.class);
            try (Connection c = connect(renewed.url().port(), "postgres", storedPassword(oldHome, "postgres"))) {
                assertThat(c.isValid(5)).isTrue();
            }
        }
    }

    private static void assertOwnerOnly(Path home) throws IOException {
        Path root = home.resolve("postgres");
        for (Path directory : List.of(home, root, root.resolve("bin"), root.resolve("data"))) {
            assertThat(Files.getPosixFilePermissions(directory)).as(directory.toString())
                    .isEqualTo(OWNER_ONLY_DIRECTORY);
        }
        assertThat(Files.getPosixFilePermissions(root.resolve("pgpass"))).isEqualTo(OWNER_ONLY_FILE);
        // Nothing below (binaries included) is readable, writable or runnable by group or others.
        try (Stream<Path> everything = Files.walk(root)) {
            for (Path path : everything.filter(p -> !Files.isSymbolicLink(p)).toList()) {
                assertThat(Files.getPosixFilePermissions(path)).as(path.toString())
                        .doesNotContain(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
                                PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
            }
        }
    }

    /** The rules of pg_hba.conf, comments and blank lines left out, runs of blanks made one space. */
    private static List<String> hbaRules(Path home) throws IOException {
        return Files.readAllLines(home.resolve("postgres/data/pg_hba.conf")).stream()
                .map(line -> line.replaceAll("#.*", "").strip().replaceAll("\\s+", " "))
                .filter(line -> !line.isEmpty())
                .toList();
    }

    /** The password of {@code user} in the home's pgpass file ({@code host:port:database:user:password}). */
    private static String storedPassword(Path home, String user) throws IOException {
        return Files.readAllLines(home.resolve("postgres/pgpass")).stream()
                .filter(line -> !line.startsWith("#"))
                .map(line -> line.split(":", 5))
                .filter(fields -> fields.length == 5 && fields[3].equals(user))
                .map(fields -> fields[4])
                .findFirst().orElseThrow();
    }

    private static Connection connect(int port, String user, String password) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        if (password != null) {
            properties.setProperty("password", password);
        }
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/kaizen", properties);
    }

    private static String single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    private static boolean onPath(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
    }
}
