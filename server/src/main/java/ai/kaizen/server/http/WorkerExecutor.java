package ai.kaizen.server.http;

import io.vertx.core.Vertx;

import java.util.concurrent.Executor;

/**
 * Vert.x's worker pool as a plain {@link Executor}, for CPU-heavy steps inside asynchronous chains (password
 * hashing) that must not run on an event loop.
 */
public final class WorkerExecutor implements Executor {

    private final Vertx vertx;

    public WorkerExecutor(Vertx vertx) {
        this.vertx = vertx;
    }

    @Override
    public void execute(Runnable command) {
        vertx.executeBlocking(() -> {
            command.run();
            return null;
        }, false);
    }
}
