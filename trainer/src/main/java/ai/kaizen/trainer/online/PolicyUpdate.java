package ai.kaizen.trainer.online;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import ai.kaizen.model.training.Gradients;
import ai.kaizen.trainer.optim.AdamW;
import ai.kaizen.trainer.optim.LearningRateSchedule;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The optimizer updates of one rollout batch, the same for PPO, RLOO and GRPO: {@code passes} passes over the
 * shuffled batch, each cut into {@code miniBatches} minibatches; a minibatch is {@code microBatches} micro-batches of
 * {@code microSize} rows under one gradient collector, then global-norm clipping and one AdamW step at the
 * schedule's learning rate. What each method computes of a micro-batch (its loss, its statistics) is its
 * {@link MicroStep}. A micro-batch whose mean probability ratio passes {@code ratio_limit} stops the update.
 *
 * @param passes passes over the batch ({@code num_ppo_epochs}, {@code num_iterations})
 * @param miniBatches optimizer updates per pass
 * @param microBatches micro-batches per optimizer update ({@code gradient_accumulation_steps})
 * @param microSize rows per micro-batch ({@code per_device_train_batch_size})
 */
public record PolicyUpdate(int passes, int miniBatches, int microBatches, int microSize) {

    /** One micro-batch's share of an optimizer update. */
    @FunctionalInterface
    public interface MicroStep {

        /**
         * Computes the micro-batch's loss and records its statistics (they count only when the update is not
         * stopped).
         *
         * @param rows the batch's rows in this micro-batch
         * @param manager for the micro-batch's arrays (closed after the backward pass)
         * @return the loss to back-propagate, already scaled to its share of the update, and the mean ratio
         */
        MicroLoss compute(List<Integer> rows, NDManager manager);
    }

    /**
     * @param loss the micro-batch's loss, scaled to its share of the update
     * @param meanRatio its mean probability ratio (the guard rail's measure)
     */
    public record MicroLoss(NDArray loss, double meanRatio) {}

    /**
     * @param updates optimizer updates taken
     * @param microBatches micro-batches computed
     * @param gradNorm the mean gradient norm before clipping, over the updates
     * @param learningRate the last update's learning rate
     * @param explodedRatio the mean ratio that stopped the update (0 when it ran to its end)
     */
    public record Outcome(int updates, int microBatches, double gradNorm, double learningRate, double explodedRatio) {

        /** @return whether the guard rail stopped the update */
        public boolean ratioExploded() {
            return explodedRatio > 0;
        }
    }

    /**
     * @param size the batch's rows (at least {@code miniBatches x microBatches x microSize}; shuffled, and the
     *     first that many used)
     * @param seed the run's seed
     * @param step the iteration (seeds the shuffles; with the pass and minibatch, places each update on the
     *     schedule)
     * @param optimizer the optimizer over every trained weight
     * @param maxGradNorm global norm gradients are clipped to (0: none)
     * @param schedule the learning rate of each update of the run
     * @param guardRails the ratio limit
     * @param manager the parent of each micro-batch's manager
     * @param micro the method's micro-batch loss
     * @param weightsChanged told after each optimizer step (cached weights of the trained models)
     * @return what happened
     */
    public Outcome run(int size, long seed, long step, AdamW optimizer, double maxGradNorm, LearningRateSchedule schedule,
            GuardRails guardRails, NDManager manager, MicroStep micro, Runnable weightsChanged) {
        double gradNorm = 0;
        double learningRate = 0;
        int updates = 0;
        int micros = 0;
        for (int pass = 0; pass < passes; pass++) {
            List<Integer> order = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                order.add(i);
            }
            Collections.shuffle(order, new Random((seed * 1_000_003L + step) * 31 + pass));
            for (int mb = 0; mb < miniBatches; mb++) {
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    for (int m = 0; m < microBatches; m++) {
                        int from = (mb * microBatches + m) * microSize;
                        try (NDManager sub = manager.newSubManager(); NDScope scope = new NDScope()) {
                            scope.suppressNotUsedWarning();
                            MicroLoss loss = micro.compute(order.subList(from, from + microSize), sub);
                            if (guardRails.ratioExploded(loss.meanRatio())) {
                                optimizer.zeroGradients();
                                return new Outcome(updates, micros, 0, 0, loss.meanRatio());
                            }
                            collector.backward(loss.loss());
                            micros++;
                        }
                    }
                }
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    gradNorm += Gradients.clip(optimizer.gradients(), maxGradNorm);
                }
                learningRate = schedule.learningRate((step * passes + pass) * miniBatches + mb);
                optimizer.step(learningRate);
                optimizer.zeroGradients();
                weightsChanged.run();
                updates++;
            }
        }
        return new Outcome(updates, micros, gradNorm / updates, learningRate, 0);
    }
}
