package ai.kaizen.trainer.online;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import ai.kaizen.model.llama.ForwardOutput;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.training.Gradients;
import ai.kaizen.model.training.TokenLogprobs;
import ai.kaizen.trainer.optim.AdamW;
import ai.kaizen.trainer.optim.WarmupCosineSchedule;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The critic-free update of one rollout batch (RLOO, GRPO): {@code num_iterations} passes, each one optimizer
 * step over the whole batch in shuffled micro-batches of {@code per_device_train_batch_size} under one gradient
 * collector, then global-norm clipping and AdamW at the schedule's learning rate. A micro-batch whose mean
 * probability ratio passes {@code ratio_limit} stops it.
 */
final class GroupUpdate {

    /**
     * Means over micro-batches; the loss, the gradient norm: means over optimizer steps; the learning rate: the
     * last step's.
     *
     * @param explodedRatio the ratio that stopped the update (0 when it ran to its end)
     */
    record Stats(double loss, double clipFraction, double approxKl, double ratio, double klToReference,
            double gradNorm, double learningRate, double explodedRatio) {

        boolean ratioExploded() {
            return explodedRatio > 0;
        }

        Map<String, Number> metrics() {
            Map<String, Number> m = new LinkedHashMap<>();
            m.put("policy/approxkl", approxKl);
            m.put("policy/clipfrac", clipFraction);
            m.put("loss/policy", loss);
            if (Double.isFinite(klToReference)) {
                m.put("kl", klToReference);
            }
            m.put("val/ratio", ratio);
            m.put("grad_norm", gradNorm);
            return m;
        }
    }

    private final GroupConfig config;
    private final LlamaModel network;
    private final AdamW optimizer;
    private final GroupObjective objective;
    private final GuardRails guardRails;
    private final NDManager manager;

    GroupUpdate(GroupConfig config, LlamaModel network, AdamW optimizer, GroupObjective objective,
            GuardRails guardRails, NDManager manager) {
        this.config = config;
        this.network = network;
        this.optimizer = optimizer;
        this.objective = objective;
        this.guardRails = guardRails;
        this.manager = manager;
    }

    /**
     * @param batch the rollout batch
     * @param advantages one per answer
     * @param step the iteration (seeds the shuffles; with the pass, places the update on the schedule)
     * @param schedule the learning rate of each optimizer step of the run
     * @return the statistics
     */
    Stats run(List<ScoredResponse> batch, float[] advantages, long step, WarmupCosineSchedule schedule) {
        int microSize = config.args().batchSize();
        int accumulation = config.args().gradientAccumulation();
        double stepTokens = 0;
        for (ScoredResponse a : batch) {
            stepTokens += a.responseIds().length;
        }
        double loss = 0;
        double clip = 0;
        double approxKl = 0;
        double ratio = 0;
        double kl = 0;
        double gradNorm = 0;
        double learningRate = 0;
        int micros = 0;
        int passes = config.online().numIterations();
        for (int pass = 0; pass < passes; pass++) {
            List<Integer> order = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                order.add(i);
            }
            Collections.shuffle(order, new Random((config.args().seed() * 1_000_003L + step) * 31 + pass));
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                for (int micro = 0; micro < accumulation; micro++) {
                    List<ScoredResponse> answers = new ArrayList<>(microSize);
                    float[] adv = new float[microSize];
                    for (int i = 0; i < microSize; i++) {
                        int index = order.get(micro * microSize + i);
                        answers.add(batch.get(index));
                        adv[i] = advantages[index];
                    }
                    try (NDManager m = manager.newSubManager(); NDScope scope = new NDScope()) {
                        scope.suppressNotUsedWarning();
                        PolicyBatch pb = PolicyBatch.of(answers, adv, m, stepTokens, accumulation);
                        ForwardOutput out = network.forward(pb.padded().ids(), pb.padded().mask(), false);
                        NDArray logp = TokenLogprobs.ofInputs(out.logits(), pb.padded().ids(),
                                config.online().temperature());
                        SurrogateLoss l = objective.loss(pb, logp);
                        if (guardRails.ratioExploded(l.meanRatio())) {
                            optimizer.zeroGradients();
                            return new Stats(0, 0, 0, 0, Double.NaN, 0, 0, l.meanRatio());
                        }
                        collector.backward(l.loss());
                        // each micro-batch's loss is its share of the step's: their sum is the step's loss
                        loss += l.loss().getFloat();
                        clip += l.clipFraction();
                        approxKl += l.approxKl();
                        ratio += l.meanRatio();
                        kl += l.klToReference();
                        micros++;
                    }
                }
            }
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                gradNorm += Gradients.clip(optimizer.gradients(), config.args().maxGradNorm());
            }
            learningRate = schedule.learningRate(step * passes + pass);
            optimizer.step(learningRate);
            optimizer.zeroGradients();
            network.weightsChanged();
        }
        return new Stats(loss / passes, clip / micros, approxKl / micros, ratio / micros, kl / micros,
                gradNorm / passes, learningRate, 0);
    }
}
