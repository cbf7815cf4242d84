package ai.kaizen.server.lifecycle;

import java.util.concurrent.CompletableFuture;

/**
 * Starts the trainer for a queued cycle ({@code kaizen train cycle --cycle-id N}) somewhere: a child JVM here
 * ({@link LocalTrainerLauncher}) or a Kubernetes Job ({@link KubernetesTrainerLauncher}). The trainer reports
 * through the database only, so the server needs nothing from a launcher but a way to stop the job and, where it
 * can know it, the moment it ended and why.
 */
public interface TrainerLauncher extends AutoCloseable {

    /** A started trainer. */
    interface Job {
        /**
         * Completes when the trainer has ended, with why in words (e.g. "the trainer exited with status 1", "the
         * trainer pod was evicted: ..."); a cycle still active then fails with that reason. May never complete
         * where the end is not known.
         */
        CompletableFuture<String> ended();

        /** Stops the trainer (cancel). */
        void stop();

        /**
         * This server is shutting down. A child process goes with it; a trainer that runs elsewhere goes on, since
         * it needs nothing from this server (the watchdog of whichever server runs then still watches its heartbeat).
         */
        default void release() {
            stop();
        }

        /** The trainer's process id, where it runs as a local process. */
        default java.util.OptionalLong pid() {
            return java.util.OptionalLong.empty();
        }
    }

    Job launch(long cycleId) throws Exception;

    /** Releases what the launcher holds (connections, threads). */
    @Override
    default void close() {
    }
}
