package ai.kaizen.trainer.dpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.NativeArrays;
import ai.kaizen.model.lora.Lora;
import ai.kaizen.model.training.TokenLogprobs;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.pairwise.PairLosses;
import ai.kaizen.trainer.pairwise.PairTokenization;
import ai.kaizen.trainer.pairwise.PairwiseObjective;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.pairwise.PairwiseTrainingLoop;
import ai.kaizen.trainer.pairwise.TokenizedPair;
import ai.kaizen.trainer.training.Batch;
import ai.kaizen.trainer.training.ModelOutput;
import ai.kaizen.trainer.training.TokenizedExample;
import ai.kaizen.trainer.training.TrainableWeights;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Direct preference optimisation (TRL's {@code DPOTrainer}): the policy learns to raise the
 * log-probability of chosen answers over rejected ones, relative to a frozen reference, without
 * a reward model. With {@code h = (log pi(yc) - log pi(yr)) - (log ref(yc) - log ref(yr))},
 * the sigmoid loss is {@code -(1 - eps) logsigmoid(beta h) - eps logsigmoid(-beta h)}; IPO's is
 * {@code (h - 1/(2 beta))^2} on per-token means. Log-probabilities are sums over the answer's
 * tokens only.
 *
 * <p>The reference is the starting policy. Its log-probabilities never change, so they are
 * computed once, before the first update (and before a checkpoint is restored), for every training
 * and evaluation pair: no second model in memory and half the forward passes per step. With LoRA
 * that is the base with the fresh adapters (B = 0, so adapters off); without, the loaded weights.
 *
 * <p>Metrics, TRL's names: {@code loss}, {@code rewards/chosen} and {@code rewards/rejected}
 * ({@code beta} times the policy-to-reference log-ratio), {@code rewards/accuracies} (chosen
 * reward higher), {@code rewards/margins}, {@code logps/chosen}, {@code logps/rejected}, and
 * {@code eval_} versions.
 *
 * <h2>Output directory</h2>
 *
 * <pre>
 * metrics.jsonl, dpo_config.json, checkpoint-STEP/ (weights or adapters, optimizer, trainer_state.json)
 * config.json, model.safetensors, tokenizer files, chat_template.jinja   the policy ({@code ModelOutput}); with
 *                                LoRA: adapter_config.json, adapter_model.safetensors and merged/
 * eval_results.json              the final evaluation's metrics
 * </pre>
 */
public final class DpoTrainer implements PairwiseObjective, AutoCloseable {

    /** The configuration file written into the output directory. */
    public static final String CONFIG_FILE = "dpo_config.json";

    /** The final evaluation's metrics. */
    public static final String EVAL_RESULTS_FILE = "eval_results.json";

    private final DpoConfig config;
    private final LanguageModel model;
    private final LlamaModel network;
    private final TrainableWeights weights;
    private final NDManager manager;
    private final PairTokenization tokenization;
    /** Reference log-probabilities of each pair's chosen and rejected answer. */
    private final Map<TokenizedPair, double[]> reference = new IdentityHashMap<>();

    /**
     * @param config the run's configuration
     * @param model the starting policy, in float32 (its weights change in place)
     */
    public DpoTrainer(DpoConfig config, LanguageModel model) {
        this.config = config;
        this.model = model;
        this.network = model.network();
        this.weights = new TrainableWeights(model, config.args());
        this.manager = network.manager().newSubManager();
        int maxLength = Math.min(config.args().maxLength(), network.config().maxPositionEmbeddings());
        this.tokenization = new PairTokenization(model.tokenizer(), maxLength, config.maxPromptLength());
    }

    /** @return the LoRA adapters, or null for full fine-tuning */
    public Lora lora() {
        return weights.lora();
    }

    /**
     * @param examples preference pairs
     * @return them tokenised (pairs without answer tokens dropped, and ties: DPO needs a better answer)
     */
    public List<TokenizedPair> tokenize(List<PreferenceExample> examples) {
        return tokenization.tokenize(examples.stream().filter(e -> !e.tie()).toList());
    }

    /**
     * Trains, then saves the output directory (see the class comment).
     *
     * @param train training pairs
     * @param eval evaluation pairs (may be empty)
     * @param listener progress callbacks
     * @return what happened
     */
    public PairwiseResult train(List<PreferenceExample> train, List<PreferenceExample> eval, TrainingListener listener) {
        PairwiseResult result = new PairwiseTrainingLoop(config.args(), this, CONFIG_FILE, config.toJson())
                .run(tokenize(train), tokenize(eval), listener);
        Path out = config.args().outputDir();
        ModelOutput.save(model, weights.lora(), config.args().mergesLora(), out);
        JsonObject results = new JsonObject();
        result.evalMetrics().forEach(results::addProperty);
        Json.write(out.resolve(EVAL_RESULTS_FILE), results);
        return result;
    }

    @Override
    public List<Pair<String, Parameter>> trainable() {
        return weights.parameters();
    }

    @Override
    public void prepare(List<TokenizedPair> train, List<TokenizedPair> eval) {
        List<TokenizedPair> all = new ArrayList<>(train);
        all.addAll(eval);
        int batch = config.args().evalBatchSize();
        for (int from = 0; from < all.size(); from += batch) {
            List<TokenizedPair> chunk = all.subList(from, Math.min(all.size(), from + batch));
            float[] logps = policyLogps(chunk);
            for (int i = 0; i < chunk.size(); i++) {
                reference.put(chunk.get(i), new double[] {logps[i], logps[chunk.size() + i]});
            }
        }
    }

    /** Log-probabilities under the current weights, without gradients: chosen ones, then rejected ones. */
    private float[] policyLogps(List<TokenizedPair> pairs) {
        try (NDManager m = manager.newSubManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            return logps(pairs, m).toFloatArray();
        }
    }

    /**
     * Each answer's log-probability (summed over its tokens; averaged for IPO), chosen answers
     * first: one forward pass for both sides (TRL's concatenated forward).
     *
     * @return (2B) float32, differentiable
     */
    private NDArray logps(List<TokenizedPair> pairs, NDManager m) {
        List<TokenizedExample> sequences = new ArrayList<>(pairs.size() * 2);
        pairs.forEach(p -> sequences.add(p.chosen()));
        pairs.forEach(p -> sequences.add(p.rejected()));
        Batch batch = Batch.of(sequences, m);
        NDArray logits = network.forward(batch.inputIds(), batch.attentionMask(), false).logits();
        // position t of TokenLogprobs scores token t; targetWeights[t - 1] marks answer token t
        NDArray perToken = TokenLogprobs.ofInputs(logits, batch.inputIds(), 1.0).get(new NDIndex(":, 1:"));
        NDArray sums = perToken.mul(batch.targetWeights()).sum(new int[] {1});
        if (config.lossType() != DpoConfig.LossType.IPO) {
            return sums;
        }
        float[] counts = new float[sequences.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = sequences.get(i).targetCount();
        }
        return sums.div(NativeArrays.copyOf(m, counts, new Shape(counts.length), DataType.FLOAT32));
    }

    @Override
    public Map<String, Double> backward(List<TokenizedPair> pairs, int windowPairs, GradientCollector collector) {
        int b = pairs.size();
        try (NDManager m = manager.newSubManager()) {
            NDArray policy = logps(pairs, m);
            float[] referenceDifference = new float[b];
            for (int i = 0; i < b; i++) {
                double[] ref = reference(pairs.get(i));
                referenceDifference[i] = (float) (ref[0] - ref[1]);
            }
            NDArray h = policy.get(new NDIndex("0:{}", b)).sub(policy.get(new NDIndex("{}:", b)))
                    .sub(NativeArrays.copyOf(m, referenceDifference, new Shape(b), DataType.FLOAT32));
            NDArray losses;
            if (config.lossType() == DpoConfig.LossType.IPO) {
                losses = h.sub(NativeArrays.scalar(m, 1 / (2 * config.beta()), DataType.FLOAT32)).square();
            } else {
                NDArray scaled = h.mul(NativeArrays.scalar(m, config.beta(), DataType.FLOAT32));
                losses = PairLosses.logSigmoid(scaled).neg();
                if (config.labelSmoothing() > 0) {
                    losses = losses.mul(NativeArrays.scalar(m, 1 - config.labelSmoothing(), DataType.FLOAT32))
                            .sub(PairLosses.logSigmoid(scaled.neg())
                                    .mul(NativeArrays.scalar(m, config.labelSmoothing(), DataType.FLOAT32)));
                }
            }
            collector.backward(losses.sum().mul(NativeArrays.scalar(m, 1.0 / windowPairs, DataType.FLOAT32)));
            return metrics(pairs, policy.toFloatArray());
        }
    }

    private double[] reference(TokenizedPair pair) {
        double[] ref = reference.get(pair);
        if (ref == null) {
            throw new IllegalStateException("no reference log-probabilities for a pair: prepare() was not called");
        }
        return ref;
    }

    /** Sums over pairs of TRL's metrics, from the policy's log-probabilities (chosen ones, then rejected ones). */
    private Map<String, Double> metrics(List<TokenizedPair> pairs, float[] policy) {
        int b = pairs.size();
        double beta = config.beta();
        Map<String, Double> sums = new LinkedHashMap<>();
        for (String key : new String[] {"loss", "rewards/chosen", "rewards/rejected", "rewards/accuracies",
            "rewards/margins", "logps/chosen", "logps/rejected"}) {
            sums.put(key, 0.0);
        }
        for (int i = 0; i < b; i++) {
            double[] ref = reference(pairs.get(i));
            double chosenReward = beta * (policy[i] - ref[0]);
            double rejectedReward = beta * (policy[b + i] - ref[1]);
            double h = (policy[i] - policy[b + i]) - (ref[0] - ref[1]);
            double loss = config.lossType() == DpoConfig.LossType.IPO
                    ? Math.pow(h - 1 / (2 * beta), 2)
                    : -(1 - config.labelSmoothing()) * PairLosses.logSigmoid(beta * h)
                            - config.labelSmoothing() * PairLosses.logSigmoid(-beta * h);
            sums.merge("loss", loss, Double::sum);
            sums.merge("rewards/chosen", chosenReward, Double::sum);
            sums.merge("rewards/rejected", rejectedReward, Double::sum);
            sums.merge("rewards/accuracies", chosenReward > rejectedReward ? 1.0 : 0.0, Double::sum);
            sums.merge("rewards/margins", chosenReward - rejectedReward, Double::sum);
            sums.merge("logps/chosen", (double) policy[i], Double::sum);
            sums.merge("logps/rejected", (double) policy[b + i], Double::sum);
        }
        return sums;
    }

    @Override
    public void updated() {
        network.weightsChanged();
    }

    @Override
    public Map<String, Double> evaluate(List<TokenizedPair> pairs) {
        int batch = config.args().evalBatchSize();
        Map<String, Double> sums = new LinkedHashMap<>();
        for (int from = 0; from < pairs.size(); from += batch) {
            List<TokenizedPair> chunk = pairs.subList(from, Math.min(pairs.size(), from + batch));
            metrics(chunk, policyLogps(chunk)).forEach((k, v) -> sums.merge(k, v, Double::sum));
        }
        Map<String, Double> means = new LinkedHashMap<>();
        sums.forEach((k, v) -> means.put(k, v / pairs.size()));
        return means;
    }

    @Override
    public void saveTrainable(Path dir) {
        weights.save(dir);
    }

    @Override
    public void restoreTrainable(Path dir) {
        weights.restore(dir);
    }

    /** Frees the trainer's arrays; removes LoRA adapters from the model (or freezes it again). */
    @Override
    public void close() {
        manager.close();
        weights.close();
    }
}
