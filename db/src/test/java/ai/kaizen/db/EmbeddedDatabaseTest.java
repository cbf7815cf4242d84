package ai.kaizen.db;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The base of repository tests: one real embedded PostgreSQL (migrated) per test class, in a temporary home, opened
 * before the class's tests and closed after them.
 */
public abstract class EmbeddedDatabaseTest {

    @TempDir
    protected static Path home;
    protected static Vertx vertx;
    protected static Database db;

    @BeforeAll
    static void openDatabase() throws Exception {
        vertx = Vertx.vertx();
        db = Database.open(vertx, new DatabaseSettings(Optional.empty(), home, 0, 8))
                .toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    }

    @AfterAll
    static void closeDatabase() throws Exception {
        db.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    protected static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
