package ai.kaizen.db;

import ai.kaizen.db.setting.SettingRepository;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Against a real (embedded) PostgreSQL: migrations, mapping validation, durability across restarts. */
class DatabaseTest {

    @TempDir
    Path home;
    private Vertx vertx;

    @BeforeEach
    void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stopVertx() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private Database open() throws Exception {
        DatabaseSettings settings = new DatabaseSettings(Optional.empty(), home, 0, 4);
        return Database.open(vertx, settings).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    }

    @Test
    void embeddedDatabaseKeepsDataAcrossRestarts() throws Exception {
        try (Database db = open()) {
            assertThat(db.isEmbedded()).isTrue();
            assertThat(db.schemaVersion()).isEqualTo(newestMigration());
            assertThat(Files.isDirectory(home.resolve("postgres/data"))).isTrue();
            new SettingRepository(db.sessions()).put("system-prompt", "Be kind. ✓")
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        try (Database db = open()) {
            Optional<String> value = new SettingRepository(db.sessions()).find("system-prompt")
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertThat(value).contains("Be kind. ✓");
            Duration ping = db.ping().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertThat(ping).isPositive();
        }
    }

    @Test
    void aSecondProcessSharesTheRunningEmbeddedServerAndLeavesItRunning() throws Exception {
        try (Database first = open()) {
            try (Database second = open()) {
                assertThat(second.url().port()).isEqualTo(first.url().port());
                new SettingRepository(second.sessions()).put("shared", "yes")
                        .toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            assertThat(new SettingRepository(first.sessions()).find("shared")
                    .toCompletableFuture().get(30, TimeUnit.SECONDS)).contains("yes");
        }
        assertThat(home.resolve("postgres/data/postmaster.pid")).doesNotExist();
    }

    /** A mapping that disagrees with the migrated schema: a column the table does not have. */
    @jakarta.persistence.Entity
    @jakarta.persistence.Table(name = "setting")
    static class SettingWithAColumnTooMany {
        @jakarta.persistence.Id
        @jakarta.persistence.Column(name = "key")
        String key;
        @jakarta.persistence.Column(name = "colour")
        String colour;
    }

    @Test
    void mappingsAreValidatedAgainstTheSchemaAtStart() {
        DatabaseSettings settings = new DatabaseSettings(Optional.empty(), home, 0, 2);
        Throwable failure = Database.open(vertx, settings, java.util.List.of(SettingWithAColumnTooMany.class))
                .toCompletionStage().toCompletableFuture().handle((db, e) -> e).join();
        assertThat(failure).isNotNull();
        assertThat(failure).hasStackTraceContaining("missing column [colour] in table [setting]");
        // The failed start stopped the embedded server it had started.
        assertThat(home.resolve("postgres/data/postmaster.pid")).doesNotExist();
    }

    @Test
    void puttingAgainReplacesTheValue() throws Exception {
        try (Database db = open()) {
            SettingRepository settings = new SettingRepository(db.sessions());
            settings.put("k", "one").toCompletableFuture().get(30, TimeUnit.SECONDS);
            settings.put("k", "two").toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertThat(settings.find("k").toCompletableFuture().get(30, TimeUnit.SECONDS)).contains("two");
            assertThat(settings.find("absent").toCompletableFuture().get(30, TimeUnit.SECONDS)).isEmpty();
        }
    }

    /** The highest version among the migrations shipped in {@code db/migration}. */
    private static String newestMigration() throws Exception {
        Path dir = Path.of(DatabaseTest.class.getResource("/db/migration").toURI());
        try (var files = Files.list(dir)) {
            return String.valueOf(files.map(f -> f.getFileName().toString())
                    .filter(n -> n.matches("V\\d+__.*\\.sql"))
                    .mapToInt(n -> Integer.parseInt(n.substring(1, n.indexOf("__")))).max().orElseThrow());
        }
    }
}
