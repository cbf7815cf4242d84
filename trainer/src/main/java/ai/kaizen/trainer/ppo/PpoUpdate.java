package ai.kaizen.trainer.ppo;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.kaizen.model.llama.ForwardOutput;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.NativeArrays;
import ai.kaizen.model.training.Gradients;
import ai.kaizen.model.training.TokenLogprobs;
import ai.kaizen.trainer.online.GuardRails;
import ai.kaizen.trainer.online.PaddedBatch;
import ai.kaizen.trainer.online.ScoredResponse;
import ai.kaizen.trainer.optim.AdamW;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * PPO's update of one rollout: {@code num_ppo_epochs} passes over shuffled minibatches, each minibatch
 * {@code gradient_accumulation_steps} micro-batches under one gradient collector and one optimizer step,
 * with the clipped policy loss plus {@code vf_coef} times the clipped value loss, one AdamW for policy and
 * critic as TRL does. A micro-batch whose mean probability ratio passes {@code ratio_limit} stops it.
 */
final class PpoUpdate {

    /**
     * What TRL logs about an update, as means over micro-batches.
     *
     * @param explodedRatio the ratio that stopped the update (0 when it ran to its end)
     */
    record Stats(double policyLoss, double valueLoss, double clipFraction, double valueClipFraction,
            double approxKl, double ratio, double gradNorm, double explodedRatio) {

        boolean ratioExploded() {
            return explodedRatio > 0;
        }

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

    PpoUpdate(PpoConfig config, LlamaModel network, ValueModel value, AdamW optimizer, NDManager manager,
            GuardRails guardRails) {
        this.config = config;
        this.network = network;
        this.value = value;
        this.optimizer = optimizer;
        this.manager = manager;
        this.guardRails = guardRails;
    }

    /**
     * @param rollout the episodes with advantages and returns
     * @param step the iteration (seeds the minibatch shuffles)
     * @return the statistics
     */
    Stats run(Rollout rollout, long step) {
        double policyLoss = 0;
        double valueLoss = 0;
        double clip = 0;
        double valueClip = 0;
        double approxKl = 0;
        double ratio = 0;
        double gradNorm = 0;
        int updates = 0;
        int micros = 0;
        for (int epoch = 0; epoch < config.numPpoEpochs(); epoch++) {
            List<Integer> order = new ArrayList<>(rollout.size());
            for (int i = 0; i < rollout.size(); i++) {
                order.add(i);
            }
            Collections.shuffle(order, new Random((config.seed() * 1_000_003L + step) * 31 + epoch));
            for (int mb = 0; mb < config.numMiniBatches(); mb++) {
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    for (int micro = 0; micro < config.gradientAccumulation(); micro++) {
                        int from = mb * config.miniBatchSize() + micro * config.batchSize();
                        List<Episode> episodes = new ArrayList<>();
                        for (int i = from; i < from + config.batchSize(); i++) {
                            episodes.add(rollout.episodes().get(order.get(i)));
                        }
                        try (NDManager m = manager.newSubManager(); NDScope scope = new NDScope()) {
                            scope.suppressNotUsedWarning();
                            MicroBatch batch = MicroBatch.of(episodes, m);
                            ForwardOutput out = network.forward(batch.padded().ids(), batch.padded().mask(), false);
                            NDArray logp = TokenLogprobs.ofInputs(out.logits(), batch.padded().ids(),
                                    config.temperature());
                            NDArray values = shiftRight(value.values(batch.padded().ids(), batch.padded().mask()));
                            ClippedLosses.Policy pg = ClippedLosses.policy(logp, batch.oldLogprobs(),
                                    batch.advantages(), batch.mask(), config.cliprange());
                            if (guardRails.ratioExploded(pg.meanRatio())) {
                                return new Stats(0, 0, 0, 0, 0, 0, 0, pg.meanRatio());
                            }
                            ClippedLosses.Value vf = ClippedLosses.value(values, batch.oldValues(), batch.returns(),
                                    batch.mask(), config.cliprangeValue());
                            NDArray loss = pg.loss().add(vf.loss().mul(NativeArrays.scalar(m, config.vfCoef(),
                                    DataType.FLOAT32)));
                            loss = loss.mul(NativeArrays.scalar(m, 1.0 / config.gradientAccumulation(),
                                    DataType.FLOAT32));
                            collector.backward(loss);
                            policyLoss += pg.loss().getFloat();
                            valueLoss += vf.loss().getFloat();
                            clip += pg.clipFraction();
                            valueClip += vf.clipFraction();
                            approxKl += pg.approxKl();
                            ratio += pg.meanRatio();
                            micros++;
                        }
                    }
                }
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    gradNorm += Gradients.clip(optimizer.gradients(), config.maxGradNorm());
                }
                optimizer.step(config.learningRate());
                optimizer.zeroGradients();
                network.weightsChanged();
                value.weightsChanged();
                updates++;
            }
        }
        return new Stats(policyLoss / micros, valueLoss / micros, clip / micros, valueClip / micros,
                approxKl / micros, ratio / micros, gradNorm / updates, 0);
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
