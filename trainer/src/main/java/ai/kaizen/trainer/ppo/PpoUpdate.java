package ai.kaizen.trainer.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.kaizen.model.llama.ForwardOutput;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.NativeArrays;
import ai.kaizen.model.training.TokenLogprobs;
import ai.kaizen.trainer.online.GuardRails;
import ai.kaizen.trainer.online.OnlineTrainer;
import ai.kaizen.trainer.online.PaddedBatch;
import ai.kaizen.trainer.online.PolicyUpdate;
import ai.kaizen.trainer.online.ScoredResponse;
import ai.kaizen.trainer.optim.AdamW;
import ai.kaizen.trainer.optim.LearningRateSchedule;
import ai.kaizen.trainer.training.TrainingArguments;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PPO's update of one rollout: {@code num_ppo_epochs} passes of {@link PolicyUpdate} over shuffled minibatches,
 * each minibatch {@code gradient_accumulation_steps} micro-batches and one optimizer step, with the clipped policy
 * loss plus {@code vf_coef} times the clipped value loss, one AdamW for policy and critic as TRL does.
 */
final class PpoUpdate {

    /**
     * What TRL logs about an update, as means over micro-batches.
     *
     * @param learningRate the last optimizer step's
     * @param explodedRatio the ratio that stopped the update (0 when it ran to its end)
     */
    record Stats(double policyLoss, double valueLoss, double clipFraction, double valueClipFraction,
            double approxKl, double ratio, double gradNorm, double learningRate, double explodedRatio)
            implements OnlineTrainer.Updated {

        Map<String, Number> metrics() {
            Map<String, Number> m = new LinkedHashMap<>();
            m.put("policy/approxkl", approxKl);
            m.put("policy/clipfrac", clipFraction);
            m.put("loss/policy", policyLoss);
            m.put("loss/value", valueLoss);
            m.put("val/clipfrac", valueClipFraction);
            m.put("val/ratio", ratio);
            m.put("grad_norm", gradNorm);
            return m;
        }
    }

    private final PpoConfig config;
    private final LlamaModel network;
    private final ValueModel value;
    private final AdamW optimizer;
    private final NDManager manager;
    private final GuardRails guardRails;
    private final PolicyUpdate shape;
    private final LearningRateSchedule schedule;

    PpoUpdate(PpoConfig config, LlamaModel network, ValueModel value, AdamW optimizer, NDManager manager,
            GuardRails guardRails) {
        this.config = config;
        this.network = network;
        this.value = value;
        this.optimizer = optimizer;
        this.manager = manager;
        this.guardRails = guardRails;
        TrainingArguments args = config.args();
        this.shape = new PolicyUpdate(config.numPpoEpochs(), config.numMiniBatches(), args.gradientAccumulation(),
                args.batchSize());
        this.schedule = LearningRateSchedule.warmupThenConstant(args.learningRate(), args.warmupSteps());
    }

    /**
     * @param rollout the episodes with advantages and returns
     * @param step the iteration (seeds the minibatch shuffles)
     * @return the statistics
     */
    Stats run(Rollout rollout, long step) {
        double[] sums = new double[6]; // policy loss, value loss, clip fraction, value clip fraction, approx KL, ratio
        TrainingArguments args = config.args();
        PolicyUpdate.Outcome outcome = shape.run(rollout.size(), args.seed(), step, optimizer, args.maxGradNorm(),
                schedule, guardRails, manager, (rows, m) -> {
                    List<Episode> episodes = new ArrayList<>(rows.size());
                    for (int i : rows) {
                        episodes.add(rollout.episodes().get(i));
                    }
                    MicroBatch batch = MicroBatch.of(episodes, m);
                    ForwardOutput out = network.forward(batch.padded().ids(), batch.padded().mask(), false);
                    NDArray logp = TokenLogprobs.ofInputs(out.logits(), batch.padded().ids(), config.temperature());
                    NDArray values = shiftRight(value.values(batch.padded().ids(), batch.padded().mask()));
                    ClippedLosses.Policy pg = ClippedLosses.policy(logp, batch.oldLogprobs(), batch.advantages(),
                            batch.mask(), config.cliprange());
                    ClippedLosses.Value vf = ClippedLosses.value(values, batch.oldValues(), batch.returns(),
                            batch.mask(), config.cliprangeValue());
                    NDArray loss = pg.loss().add(vf.loss().mul(NativeArrays.scalar(m, config.vfCoef(),
                            DataType.FLOAT32)));
                    loss = loss.mul(NativeArrays.scalar(m, 1.0 / shape.microBatches(), DataType.FLOAT32));
                    sums[0] += pg.loss().getFloat();
                    sums[1] += vf.loss().getFloat();
                    sums[2] += pg.clipFraction();
                    sums[3] += vf.clipFraction();
                    sums[4] += pg.approxKl();
                    sums[5] += pg.meanRatio();
                    return new PolicyUpdate.MicroLoss(loss, pg.meanRatio());
                }, () -> {
                    network.weightsChanged();
                    value.weightsChanged();
                });
        if (outcome.ratioExploded()) {
            return new Stats(0, 0, 0, 0, 0, 0, 0, 0, outcome.explodedRatio());
        }
        int micros = outcome.microBatches();
        return new Stats(sums[0] / micros, sums[1] / micros, sums[2] / micros, sums[3] / micros, sums[4] / micros,
                sums[5] / micros, outcome.gradNorm(), outcome.learningRate(), 0);
    }

    /** (B, T) values at every position to values of each token's preceding state: shifted right by one. */
    private static NDArray shiftRight(NDArray values) {
        long b = values.getShape().get(0);
        long t = values.getShape().get(1);
        NDArray zero = values.getManager().zeros(new Shape(b, 1), values.getDataType());
        return zero.concat(values.get(new NDIndex(":, :{}", t - 1)), 1);
    }

    /** A micro-batch of episodes as padded arrays, per-token quantities at the response positions. */
    private record MicroBatch(PaddedBatch padded, NDArray mask, NDArray oldLogprobs, NDArray oldValues,
            NDArray advantages, NDArray returns) {

        static MicroBatch of(List<Episode> episodes, NDManager m) {
            List<int[]> rows = new ArrayList<>();
            for (Episode e : episodes) {
                rows.add(e.response().allIds());
            }
            PaddedBatch padded = PaddedBatch.of(rows, m);
            int w = padded.width();
            int size = episodes.size() * w;
            float[] mask = new float[size];
            float[] logp = new float[size];
            float[] values = new float[size];
            float[] adv = new float[size];
            float[] ret = new float[size];
            for (int r = 0; r < episodes.size(); r++) {
                Episode e = episodes.get(r);
                ScoredResponse response = e.response();
                int at = r * w + response.promptIds().length;
                for (int i = 0; i < response.responseIds().length; i++) {
                    mask[at + i] = 1;
                    logp[at + i] = response.logprobs()[i];
                    values[at + i] = e.values()[i];
                    adv[at + i] = e.advantages()[i];
                    ret[at + i] = e.returns()[i];
                }
            }
            int b = episodes.size();
            return new MicroBatch(padded, PaddedBatch.floats(m, mask, b, w), PaddedBatch.floats(m, logp, b, w),
                    PaddedBatch.floats(m, values, b, w), PaddedBatch.floats(m, adv, b, w),
                    PaddedBatch.floats(m, ret, b, w));
        }
    }
}
