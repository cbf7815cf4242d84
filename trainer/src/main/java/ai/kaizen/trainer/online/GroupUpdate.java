package ai.kaizen.trainer.online;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.kaizen.model.llama.ForwardOutput;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.training.TokenLogprobs;
import ai.kaizen.trainer.optim.AdamW;
import ai.kaizen.trainer.optim.LearningRateSchedule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The critic-free update of one rollout batch (RLOO, GRPO): {@code num_iterations} passes of {@link PolicyUpdate},
 * each one optimizer step over the whole batch in shuffled micro-batches of {@code per_device_train_batch_size},
 * with the method's clipped surrogate ({@link GroupObjective#loss}).
 */
final class GroupUpdate {

    /**
     * Means over micro-batches; the loss, the gradient norm: means over optimizer steps; the learning rate: the
     * last step's.
     *
     * @param explodedRatio the ratio that stopped the update (0 when it ran to its end)
     */
    record Stats(double loss, double clipFraction, double approxKl, double ratio, double klToReference,
            double gradNorm, double learningRate, double explodedRatio) implements OnlineTrainer.Updated {

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
    private final PolicyUpdate shape;

    GroupUpdate(GroupConfig config, LlamaModel network, AdamW optimizer, GroupObjective objective,
            GuardRails guardRails, NDManager manager) {
        this.config = config;
        this.network = network;
        this.optimizer = optimizer;
        this.objective = objective;
        this.guardRails = guardRails;
        this.manager = manager;
        this.shape = new PolicyUpdate(config.online().numIterations(), 1, config.args().gradientAccumulation(),
                config.args().batchSize());
    }

    /**
     * @param batch the rollout batch
     * @param advantages one per answer
     * @param step the iteration (seeds the shuffles; with the pass, places the update on the schedule)
     * @param schedule the learning rate of each optimizer step of the run
     * @return the statistics
     */
    Stats run(List<ScoredResponse> batch, float[] advantages, long step, LearningRateSchedule schedule) {
        double stepTokens = 0;
        for (ScoredResponse a : batch) {
            stepTokens += a.responseIds().length;
        }
        double tokens = stepTokens;
        double[] sums = new double[5]; // loss, clip fraction, approx KL, ratio, KL to the reference
        PolicyUpdate.Outcome outcome = shape.run(batch.size(), config.args().seed(), step, optimizer,
                config.args().maxGradNorm(), schedule, guardRails, manager, (rows, m) -> {
                    List<ScoredResponse> answers = new ArrayList<>(rows.size());
                    float[] adv = new float[rows.size()];
                    for (int i = 0; i < rows.size(); i++) {
                        answers.add(batch.get(rows.get(i)));
                        adv[i] = advantages[rows.get(i)];
                    }
                    PolicyBatch pb = PolicyBatch.of(answers, adv, m, tokens, shape.microBatches());
                    ForwardOutput out = network.forward(pb.padded().ids(), pb.padded().mask(), false);
                    NDArray logp = TokenLogprobs.ofInputs(out.logits(), pb.padded().ids(),
                            config.online().temperature());
                    SurrogateLoss l = objective.loss(pb, logp);
                    // each micro-batch's loss is its share of the step's: their sum is the step's loss
                    sums[0] += l.loss().getFloat();
                    sums[1] += l.clipFraction();
                    sums[2] += l.approxKl();
                    sums[3] += l.meanRatio();
                    sums[4] += l.klToReference();
                    return new PolicyUpdate.MicroLoss(l.loss(), l.meanRatio());
                }, network::weightsChanged);
        if (outcome.ratioExploded()) {
            return new Stats(0, 0, 0, 0, Double.NaN, 0, 0, outcome.explodedRatio());
        }
        int micros = outcome.microBatches();
        return new Stats(sums[0] / shape.passes(), sums[1] / micros, sums[2] / micros, sums[3] / micros,
                sums[4] / micros, outcome.gradNorm(), outcome.learningRate(), 0);
    }
}
