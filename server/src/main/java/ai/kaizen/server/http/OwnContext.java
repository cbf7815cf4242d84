package ai.kaizen.server.http;

import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;

/**
 * Runs background work on a context of its own. Hibernate Reactive keeps a flow's session in its Vert.x context:
 * timers made on one start-up context, or a notification handler, share that context, so one flow could pick up
 * another's session and find it closed under it ("Session/EntityManager is closed"). Each HTTP request already gets
 * such a duplicated context from Vert.x; this gives the same to every timer tick and notice.
 */
public final class OwnContext {

    private OwnContext() {
    }

    /** Runs {@code task} on a fresh duplicate of the current (or a new) event-loop context. */
    public static void run(Vertx vertx, Runnable task) {
        ((ContextInternal) vertx.getOrCreateContext()).duplicate().runOnContext(v -> task.run());
    }

    /** {@link Vertx#setPeriodic(long, long, io.vertx.core.Handler)} whose every tick runs as {@link #run}. */
    public static long periodic(Vertx vertx, long delayMs, long periodMs, Runnable task) {
        return vertx.setPeriodic(delayMs, periodMs, id -> run(vertx, task));
    }
}
