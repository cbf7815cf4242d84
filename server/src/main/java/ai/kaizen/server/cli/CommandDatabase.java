package ai.kaizen.server.cli;

import ai.kaizen.db.Database;
import ai.kaizen.server.config.KaizenConfig;
import io.vertx.core.Vertx;

import java.util.concurrent.TimeUnit;

/**
 * The database for a one-shot command ({@code kaizen admin ...}): opened with the same configuration as the server
 * (sharing its embedded PostgreSQL when the server is running), closed when the command ends.
 */
final class CommandDatabase implements AutoCloseable {

    private final Vertx vertx;
    private final Database database;

    private CommandDatabase(Vertx vertx, Database database) {
        this.vertx = vertx;
        this.database = database;
    }

    static CommandDatabase open(KaizenConfig config) throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            Database database = Database.open(vertx, config.databaseSettings()).toCompletionStage()
                    .toCompletableFuture().get(5, TimeUnit.MINUTES);
            return new CommandDatabase(vertx, database);
        } catch (Exception e) {
            vertx.close();
            throw e;
        }
    }

    /** Waits for a database operation; its own failure, not the executor's wrapper, is what propagates. */
    static <T> T await(java.util.concurrent.CompletionStage<T> stage, long minutes) throws Exception {
        try {
            return stage.toCompletableFuture().get(minutes, TimeUnit.MINUTES);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    Database database() {
        return database;
    }

    @Override
    public void close() throws Exception {
        try {
            database.close();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
