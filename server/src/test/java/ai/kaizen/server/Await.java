package ai.kaizen.server;

import io.vertx.core.Future;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** Waits in a test for an asynchronous result, within a bound, so that a result that never comes fails the test. */
public final class Await {

    /** How long a database call or a request of a test may take (a busy build machine included). */
    public static final Duration DEFAULT = Duration.ofSeconds(30);

    private Await() {
    }

    /** {@code stage}'s result, waited for up to {@link #DEFAULT}. */
    public static <T> T await(CompletionStage<T> stage) throws Exception {
        return await(stage, DEFAULT);
    }

    /** {@code stage}'s result, waited for up to {@code timeout}. */
    public static <T> T await(CompletionStage<T> stage, Duration timeout) throws Exception {
        return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** {@code future}'s result, waited for up to {@link #DEFAULT}. */
    public static <T> T await(Future<T> future) throws Exception {
        return await(future, DEFAULT);
    }

    /** {@code future}'s result, waited for up to {@code timeout}. */
    public static <T> T await(Future<T> future, Duration timeout) throws Exception {
        return await(future.toCompletionStage(), timeout);
    }
}
