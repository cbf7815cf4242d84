package ai.kaizen.trainer.kto;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.NativeArrays;
import ai.kaizen.model.lora.Lora;
import ai.kaizen.model.training.Autograd;
import ai.kaizen.model.training.TokenLogprobs;
import ai.kaizen.trainer.dataset.ThumbsExample;
import ai.kaizen.trainer.pairwise.PairTokenization;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.pairwise.PreferenceObjective;
import ai.kaizen.trainer.pairwise.PreferenceTrainingLoop;
import ai.kaizen.trainer.training.Batch;
import ai.kaizen.trainer.training.EpochCursor;
import ai.kaizen.trainer.training.ModelOutput;
import ai.kaizen.trainer.training.TokenizedExample;
import ai.kaizen.trainer.training.TrainableWeights;
import ai.kaizen.trainer.training.TrainingArguments;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kahneman-Tversky optimisation (Ethayarajh et al. 2024; TRL's {@code KTOTrainer}): the policy
 * learns from single answers labelled desirable or undesirable (a thumbs up or down, good or bad
 * stars), which customers give far more often than choices between two answers. No pairs, no
 * reward model: the loss ({@link KtoLoss}) raises a desirable answer's log-ratio to the frozen
 * reference above a reference point {@code z0} and pushes an undesirable one's below it.
 * Log-probabilities are sums over the answer's tokens only.
 *
 * <h2>The reference point</h2>
 *
 * {@code z0} estimates the policy's KL from the reference with mismatched pairs, as TRL does:
 * within each batch, the answer of example {@code i} after the prompt of example {@code i + 1}
 * (the last answer after the first prompt), so the mismatched answers are the batch's own. It is
 * the clamped mean log-ratio over those pairs, from a forward pass that records no graph
 * ({@code torch.no_grad()}): a number, detached.
 *
 * <h2>The reference model</h2>
 *
 * The reference is the starting policy; its log-probabilities never change, so, as DPO does here,
 * they are computed once before the first update (and before a checkpoint is restored), with no
 * second model in memory: for every training and evaluation answer, and for every mismatched pair
 * the run will meet. The batches are known in advance because their order depends only on the
 * seed and the epoch ({@link EpochCursor}): the trainer walks the same cursor over the run's
 * {@code max_steps x gradient_accumulation_steps} micro-batches and scores each batch's pairs
 * (one more forward pass per training answer and epoch, paid up front). Evaluation batches are
 * the evaluation set in order, {@code per_device_eval_batch_size} at a time. With LoRA the
 * reference is the base with fresh adapters (B = 0, so adapters off); without, the loaded weights.
 *
 * <p>Metrics, TRL's names: {@code loss}, {@code kl} ({@code z0}), {@code rewards/chosen} and
 * {@code rewards/rejected} ({@code beta} times the log-ratio, mean over desirable and undesirable
 * answers), {@code rewards/margins} (their difference, when both occur), {@code logps/chosen},
 * {@code logps/rejected}, and {@code eval_} versions.
 *
 * <h2>Output directory</h2>
 *
 * <pre>
 * metrics.jsonl, kto_config.json, checkpoint-STEP/ (weights or adapters, optimizer, trainer_state.json)
 * config.json, model.safetensors, tokenizer files, chat_template.jinja   the policy ({@code ModelOutput}); with
 *                                LoRA: adapter_config.json, adapter_model.safetensors and merged/
 * eval_results.json              the final evaluation's metrics
 * </pre>
 */
public final class KtoTrainer implements PreferenceObjective<TokenizedCompletion>, AutoCloseable {

    /** The configuration file written into the output directory. */
    public static final String CONFIG_FILE = "kto_config.json";

    /** The final evaluation's metrics. */
    public static final String EVAL_RESULTS_FILE = "eval_results.json";

    private static final Logger LOG = LoggerFactory.getLogger(KtoTrainer.class);

    private final KtoConfig config;
    private final LanguageModel model;
    private final LlamaModel network;
    private final TrainableWeights weights;
    private final NDManager manager;
    private final PairTokenization tokenization;
    private final int maxLength;
    /** Reference log-probabilities of each example's answer. */
    private final Map<TokenizedCompletion, Float> reference = new IdentityHashMap<>();
    /** Reference log-probabilities of the mismatched pairs of every batch the run meets. */
    private final Map<Mismatch, Float> referenceMismatched = new HashMap<>();

    /**
     * @param config the run's configuration
     * @param model the starting policy, in float32 (its weights change in place)
     */
    public KtoTrainer(KtoConfig config, LanguageModel model) {
        this.config = config;
        this.model = model;
        this.network = model.network();
        this.weights = new TrainableWeights(model, config.args());
        this.manager = network.manager().newSubManager();
        this.maxLength = Math.min(config.args().maxLength(), network.config().maxPositionEmbeddings());
        this.tokenization = new PairTokenization(model.tokenizer(), maxLength, config.maxPromptLength());
    }

    /** @return the LoRA adapters, or null for full fine-tuning */
    public Lora lora() {
        return weights.lora();
    }

    /**
     * @param examples labelled answers
     * @return them tokenised, in order (answers without a token left after truncation dropped)
     */
    public List<TokenizedCompletion> tokenize(List<ThumbsExample> examples) {
        List<TokenizedCompletion> out = new ArrayList<>(examples.size());
        for (ThumbsExample e : examples) {
            TokenizedExample sequence = tokenization.tokenize(e.prompt(), e.completion());
            if (sequence.targetCount() > 0) {
                out.add(TokenizedCompletion.of(sequence, e.label()));
            }
        }
        if (out.size() < examples.size()) {
            LOG.warn("{} of {} answers have no token within max_length={} and are skipped",
                    examples.size() - out.size(), examples.size(), maxLength);
        }
        return out;
    }

    /**
     * Trains, then saves the output directory (see the class comment).
     *
     * @param train training answers
     * @param eval evaluation answers (may be empty)
     * @param listener progress callbacks
     * @return what happened ({@link PairwiseResult#pairsPerSecond()} counts answers)
     */
    public PairwiseResult train(List<ThumbsExample> train, List<ThumbsExample> eval, TrainingListener listener) {
        List<TokenizedCompletion> trainSet = tokenize(train);
        warnIfUnbalanced(trainSet);
        PairwiseResult result = new PreferenceTrainingLoop<>(config.args(), this, CONFIG_FILE, config.toJson())
                .run(trainSet, tokenize(eval), listener);
        Path out = config.args().outputDir();
        ModelOutput.save(model, weights.lora(), config.args().mergesLora(), out);
        JsonObject results = new JsonObject();
        result.evalMetrics().forEach(results::addProperty);
        Json.write(out.resolve(EVAL_RESULTS_FILE), results);
        return result;
    }

    /**
     * TRL's advice (KTO paper, eq. 8): {@code desirable_weight * desirable / (undesirable_weight *
     * undesirable)} should lie in [1, 4/3]; customers' thumbs are rarely that balanced.
     */
    private void warnIfUnbalanced(List<TokenizedCompletion> train) {
        long desirable = Math.max(1, train.stream().filter(TokenizedCompletion::desirable).count());
        long undesirable = Math.max(1, train.size() - desirable);
        double ratio = config.desirableWeight() * desirable / (config.undesirableWeight() * undesirable);
        if (ratio < 1 || ratio > 4.0 / 3) {
            LOG.warn("{} desirable and {} undesirable answers: desirable_weight {} x {} / (undesirable_weight {} x "
                    + "{}) = {}, outside the [1, 1.33] the KTO paper advises; try desirable_weight in [{}, {}] or "
                    + "undesirable_weight in [{}, {}]", desirable, undesirable, config.desirableWeight(), desirable,
                    config.undesirableWeight(), undesirable, String.format("%.2f", ratio),
                    String.format("%.2f", config.undesirableWeight() * undesirable / desirable),
                    String.format("%.2f", 4.0 / 3 * config.undesirableWeight() * undesirable / desirable),
                    String.format("%.2f", 0.75 * config.desirableWeight() * desirable / undesirable),
                    String.format("%.2f", config.desirableWeight() * desirable / undesirable));
        }
    }

    @Override
    public List<Pair<String, Parameter>> trainable() {
        return weights.parameters();
    }

    @Override
    public void prepare(List<TokenizedCompletion> train, List<TokenizedCompletion> eval) {
        long started = System.nanoTime();
        List<TokenizedCompletion> all = new ArrayList<>(train);
        all.addAll(eval);
        float[] logps = score(all.stream().map(TokenizedCompletion::sequence).toList());
        for (int i = 0; i < all.size(); i++) {
            reference.put(all.get(i), logps[i]);
        }
        Set<Mismatch> pairs = new LinkedHashSet<>();
        if (config.lossType().usesReferencePoint()) {
            TrainingArguments args = config.args();
            if (!train.isEmpty()) {
                // the loop's own order: the same examples, batch size and seed give the same batches
                EpochCursor<TokenizedCompletion> cursor = new EpochCursor<>(train, args.batchSize(), args.seed(), 0,
                        0);
                long batches = args.totalSteps(train.size()) * args.gradientAccumulation();
                for (long i = 0; i < batches; i++) {
                    pairs.addAll(mismatches(cursor.next()));
                }
            }
            for (List<TokenizedCompletion> chunk : evaluationBatches(eval)) {
                pairs.addAll(mismatches(chunk));
            }
            List<Mismatch> list = new ArrayList<>(pairs);
            float[] mismatched = score(list.stream().map(this::sequence).toList());
            for (int i = 0; i < list.size(); i++) {
                referenceMismatched.put(list.get(i), mismatched[i]);
            }
        }
        LOG.info("KTO reference: {} answers and {} mismatched pairs scored in {} s", all.size(), pairs.size(),
                String.format("%.1f", (System.nanoTime() - started) / 1e9));
    }

    @Override
    public Map<String, Double> backward(List<TokenizedCompletion> batch, int windowExamples,
            GradientCollector collector) {
        double z0 = referencePoint(batch);
        try (NDManager m = manager.newSubManager()) {
            NDArray policy = logps(batch.stream().map(TokenizedCompletion::sequence).toList(), m);
            NDArray losses = KtoLoss.losses(policy, referenceOf(batch), labels(batch), z0, config);
            collector.backward(losses.sum().mul(NativeArrays.scalar(m, 1.0 / windowExamples, DataType.FLOAT32)));
            return sums(batch, policy.toFloatArray(), z0);
        }
    }

    @Override
    public void updated() {
        network.weightsChanged();
    }

    @Override
    public Map<String, Double> evaluate(List<TokenizedCompletion> examples) {
        Map<String, Double> sums = new LinkedHashMap<>();
        for (List<TokenizedCompletion> chunk : evaluationBatches(examples)) {
            double z0 = referencePoint(chunk);
            float[] policy = score(chunk.stream().map(TokenizedCompletion::sequence).toList());
            sums(chunk, policy, z0).forEach((k, v) -> sums.merge(k, v, Double::sum));
        }
        return means(sums, examples.size());
    }

    @Override
    public void saveTrainable(Path dir) {
        weights.save(dir);
    }

    @Override
    public void restoreTrainable(Path dir) {
        weights.restore(dir);
    }

    @Override
    public int tokens(TokenizedCompletion example) {
        return example.tokens();
    }

    @Override
    public String unit() {
        return "samples";
    }

    /**
     * TRL's logged means: {@code loss} and {@code kl} over all answers, {@code rewards/*} and
     * {@code logps/*} over the answers of their label only (from the {@code _sum} and
     * {@code count/} sums), {@code rewards/margins} when both labels occurred.
     */
    @Override
    public Map<String, Double> means(Map<String, Double> sums, long examples) {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("loss", examples == 0 ? Double.NaN : sums.getOrDefault("loss", 0.0) / examples);
        for (String label : new String[] {"chosen", "rejected"}) {
            double count = sums.getOrDefault("count/" + label, 0.0);
            if (count > 0) {
                out.put("rewards/" + label, sums.get("rewards/" + label + "_sum") / count);
                out.put("logps/" + label, sums.get("logps/" + label + "_sum") / count);
            }
        }
        if (out.containsKey("rewards/chosen") && out.containsKey("rewards/rejected")) {
            out.put("rewards/margins", out.get("rewards/chosen") - out.get("rewards/rejected"));
        }
        out.put("kl", examples == 0 ? Double.NaN : sums.getOrDefault("kl", 0.0) / examples);
        return out;
    }

    /** Frees the trainer's arrays; removes LoRA adapters from the model (or freezes it again). */
    @Override
    public void close() {
        manager.close();
        weights.close();
    }

    /**
     * Sums over a batch, for {@link #means}: the losses, {@code z0} once per answer, and per label
     * the rewards, log-probabilities and count.
     */
    private Map<String, Double> sums(List<TokenizedCompletion> batch, float[] policy, double z0) {
        Map<String, Double> sums = new LinkedHashMap<>();
        sums.put("loss", 0.0);
        sums.put("kl", z0 * batch.size());
        for (int i = 0; i < batch.size(); i++) {
            TokenizedCompletion e = batch.get(i);
            double logratio = policy[i] - reference(e);
            String label = e.desirable() ? "chosen" : "rejected";
            sums.merge("loss", KtoLoss.loss(logratio, e.desirable(), z0, config), Double::sum);
            sums.merge("rewards/" + label + "_sum", config.beta() * logratio, Double::sum);
            sums.merge("logps/" + label + "_sum", (double) policy[i], Double::sum);
            sums.merge("count/" + label, 1.0, Double::sum);
        }
        return sums;
    }

    /**
     * {@code z0} of a batch (0 for {@code apo_zero_unpaired}, and for a batch of one, which has no
     * mismatched pair), from the policy's log-probabilities of the mismatched pairs computed without
     * recording: detached.
     */
    private double referencePoint(List<TokenizedCompletion> batch) {
        if (!config.lossType().usesReferencePoint()) {
            return 0;
        }
        List<Mismatch> pairs = mismatches(batch);
        float[] referenceLogps = new float[pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            Float logp = referenceMismatched.get(pairs.get(i));
            if (logp == null) {
                throw new IllegalStateException("no reference log-probability for a mismatched pair: the batch is not "
                        + "one prepare() saw");
            }
            referenceLogps[i] = logp;
        }
        return KtoLoss.referencePoint(score(pairs.stream().map(this::sequence).toList()), referenceLogps);
    }

    /** TRL's mismatched pairs of a batch: answer {@code i} after prompt {@code i + 1}, cyclically. */
    private static List<Mismatch> mismatches(List<TokenizedCompletion> batch) {
        int b = batch.size();
        List<Mismatch> pairs = new ArrayList<>(b < 2 ? 0 : b);
        for (int i = 0; b >= 2 && i < b; i++) {
            pairs.add(new Mismatch(batch.get((i + 1) % b), batch.get(i)));
        }
        return pairs;
    }

    private TokenizedExample sequence(Mismatch pair) {
        return pair.prompt().withAnswerOf(pair.answer(), maxLength);
    }

    private List<List<TokenizedCompletion>> evaluationBatches(List<TokenizedCompletion> examples) {
        int size = config.args().evalBatchSize();
        List<List<TokenizedCompletion>> batches = new ArrayList<>();
        for (int from = 0; from < examples.size(); from += size) {
            batches.add(examples.subList(from, Math.min(examples.size(), from + size)));
        }
        return batches;
    }

    private float reference(TokenizedCompletion example) {
        Float logp = reference.get(example);
        if (logp == null) {
            throw new IllegalStateException("no reference log-probability for an answer: prepare() was not called");
        }
        return logp;
    }

    private float[] referenceOf(List<TokenizedCompletion> batch) {
        float[] out = new float[batch.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = reference(batch.get(i));
        }
        return out;
    }

    private static boolean[] labels(List<TokenizedCompletion> batch) {
        boolean[] out = new boolean[batch.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = batch.get(i).desirable();
        }
        return out;
    }

    /** Answer log-probabilities under the current weights, recording nothing, {@code eval} batch size at a time. */
    private float[] score(List<TokenizedExample> sequences) {
        float[] out = new float[sequences.size()];
        int size = config.args().evalBatchSize();
        for (int from = 0; from < sequences.size(); from += size) {
            List<TokenizedExample> chunk = sequences.subList(from, Math.min(sequences.size(), from + size));
            float[] part = Autograd.withoutRecording(() -> {
                try (NDManager m = manager.newSubManager(); NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    return logps(chunk, m).toFloatArray();
                }
            });
            System.arraycopy(part, 0, out, from, part.length);
        }
        return out;
    }

    /**
     * Each sequence's answer log-probability, summed over the answer's tokens.
     *
     * @return (B) float32, differentiable when recording
     */
    private NDArray logps(List<TokenizedExample> sequences, NDManager m) {
        Batch batch = Batch.of(sequences, m);
        NDArray logits = network.forward(batch.inputIds(), batch.attentionMask(), false).logits();
        // position t of TokenLogprobs scores token t; targetWeights[t - 1] marks answer token t
        NDArray perToken = TokenLogprobs.ofInputs(logits, batch.inputIds(), 1.0).get(new NDIndex(":, 1:"));
        return perToken.mul(batch.targetWeights()).sum(new int[] {1});
    }

    /**
     * A mismatched pair: one example's prompt with another's answer. Examples are compared by
     * identity: two equal answers in a dataset are still two examples.
     */
    private record Mismatch(TokenizedCompletion prompt, TokenizedCompletion answer) {

        @Override
        public boolean equals(Object o) {
            return o instanceof Mismatch m && m.prompt == prompt && m.answer == answer;
        }

        @Override
        public int hashCode() {
            return 31 * System.identityHashCode(prompt) + System.identityHashCode(answer);
        }
    }
}
