package ai.kaizen.server.lifecycle;

import java.util.concurrent.CompletableFuture;

/**
 * Starts the trainer for a queued cycle ({@code kaizen train cycle --cycle-id N}) somewhere: a child JVM here
 * ({@link LocalTrainerLauncher}), or a Kubernetes Job (manifest template in {@code deploy/kubernetes}). The trainer
 * reports through the database only, so the server needs nothing from a launcher but a way to stop the job and,
 * where it can know it, the moment it ended.
 */
public interface TrainerLauncher {

    /** A started trainer. */
    interface Job {
        /** Completes with the exit status when the trainer ends; may never complete where that is not known. */
        CompletableFuture<Integer> exit();

        /** Stops the trainer (cancel). */
        void stop();

        /** The trainer's process id, where it runs as a local process. */
        default java.util.OptionalLong pid() {
            return java.util.OptionalLong.empty();
        }
    }

    Job launch(long cycleId) throws Exception;
}
