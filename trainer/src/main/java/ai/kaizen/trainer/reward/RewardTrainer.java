package ai.kaizen.trainer.reward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.head.ScalarHead;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.NativeArrays;
import ai.kaizen.model.lora.Lora;
import ai.kaizen.model.safetensors.SafetensorsReader;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.dataset.ThumbsExample;
import ai.kaizen.trainer.pairwise.PairTokenization;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.pairwise.PreferenceObjective;
import ai.kaizen.trainer.pairwise.PreferenceTrainingLoop;
import ai.kaizen.trainer.training.ModelOutput;
import ai.kaizen.trainer.training.TokenizedExample;
import ai.kaizen.trainer.training.TrainableWeights;
import ai.kaizen.trainer.training.TrainingArguments;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reward-model training (TRL's {@code RewardTrainer}, widened to every kind of feedback): a backbone initialised from
 * the SFT model plus a fresh {@link ScalarHead} read at the last real token, trained on preference pairs (users'
 * choices, reviewers' rankings, stars differences, mismatched pairs: Bradley-Terry, optional margins), ties, and
 * unpaired thumbs on the same head ({@link RewardLosses} gives the one formula); full fine-tuning or LoRA (the head
 * always trains).
 *
 * <p>Every example, pair or thumbs, is one {@link TokenizedFeedback} for the training loop: batches mix the kinds,
 * and one forward pass scores every answer of a micro-batch.
 *
 * <h2>Output directory</h2>
 *
 * <pre>
 * metrics.jsonl                 loss, accuracy, mean_margin, grad_norm, ...; eval_loss, eval_accuracy, eval_mean_margin,
 *                               and per kind of feedback eval_accuracy/choices, eval_loss/thumbs, eval_count/ties, ...
 * reward_config.json            the configuration (TRL names)
 * checkpoint-STEP/              weights (HF model, or PEFT adapters), scalar_head.safetensors,
 *                               optimizer.safetensors, trainer_state.json
 * config.json, model.safetensors, tokenizer files, chat_template.jinja
 *                               the backbone ({@code ModelOutput}; with LoRA the PEFT adapter files and merged/),
 *                               loadable by LanguageModel.load
 * scalar_head.safetensors       the head (score.weight, as transformers' sequence classifiers)
 * reward_stats.json             {"mean", "std"} of raw rewards over the training answers, for normalisation
 * eval_results.json             the final evaluation's metrics
 * </pre>
 *
 * <h2>Held-out metrics</h2>
 *
 * Per {@link RewardSignal} label ({@code choices}, {@code rankings}, {@code stars}, {@code pairs}, {@code ties},
 * {@code mismatched}, {@code thumbs}), for the kinds the held-out data has: {@code accuracy/KIND} (pairs: chosen
 * scored above rejected; ties: the two rewards within {@link #TIE_TOLERANCE}; thumbs: the AUC of thumbs-up against
 * thumbs-down scores, as the evaluation gate computes it), {@code loss/KIND}, {@code count/KIND},
 * {@code mean_margin/KIND} for pairs, {@code mean_gap/ties} (mean |r_a - r_b|) and {@code sign_accuracy/thumbs} (the
 * share whose reward has the thumb's sign). {@code accuracy} and {@code mean_margin} are those of the users' and
 * reviewers' pairs together (choices, rankings, stars, imported pairs), what they always meant; without such pairs
 * {@code accuracy} is the thumbs' AUC. {@code loss} is the mean of the whole objective.
 *
 * {@link RewardModel#load} reads the result.
 */
public final class RewardTrainer implements PreferenceObjective<TokenizedFeedback>, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RewardTrainer.class);

    /** The configuration file written into the output directory. */
    public static final String CONFIG_FILE = "reward_config.json";

    /** The final evaluation's metrics. */
    public static final String EVAL_RESULTS_FILE = "eval_results.json";

    /**
     * A tie is judged right when its two rewards differ by less than this: the Bradley-Terry model then calls either
     * answer the better with a probability under sigmoid(1) = 0.73.
     */
    public static final double TIE_TOLERANCE = 1.0;

    private final RewardConfig config;
    private final LanguageModel model;
    private final LlamaModel network;
    private final TrainableWeights weights;
    private final Lora lora;
    private final ScalarHead head;
    private final RewardModel rewardModel;
    private final List<Pair<String, Parameter>> trainable = new ArrayList<>();
    private final NDManager manager;
    private final PairTokenization tokenization;

    /**
     * Prepares a model: LoRA adapters (base frozen) or every weight trainable, and a new head.
     *
     * @param config the run's configuration
     * @param model the backbone, in float32 (its weights change in place)
     */
    public RewardTrainer(RewardConfig config, LanguageModel model) {
        TrainingArguments args = config.args();
        this.config = config;
        this.model = model;
        this.network = model.network();
        weights = new TrainableWeights(model, args);
        lora = weights.lora();
        trainable.addAll(weights.parameters());
        head = ScalarHead.create(network, args.seed()); // trainable from the start
        head.parameters().forEach(trainable::add);
        rewardModel = new RewardModel(model, head, RewardStats.IDENTITY, false);
        manager = network.manager().newSubManager();
        int maxLength = Math.min(args.maxLength(), network.config().maxPositionEmbeddings());
        tokenization = new PairTokenization(model.tokenizer(), maxLength, maxLength);
    }

    /** @return the configuration */
    public RewardConfig config() {
        return config;
    }

    /** @return the LoRA adapters, or null for full fine-tuning */
    public Lora lora() {
        return lora;
    }

    /** @return the head being trained */
    public ScalarHead head() {
        return head;
    }

    /**
     * @param examples preference pairs
     * @return them tokenised (pairs without answer tokens dropped)
     */
    public List<TokenizedFeedback> tokenize(List<PreferenceExample> examples) {
        return tokenize(examples, List.of());
    }

    /**
     * Tokenises pairs and thumbs; examples with an answer that has no token within {@code max_length} are dropped.
     *
     * @param pairs  preference pairs (ties and mismatched pairs among them)
     * @param thumbs thumbs examples
     * @return the examples, pairs first, in order
     */
    public List<TokenizedFeedback> tokenize(List<PreferenceExample> pairs, List<ThumbsExample> thumbs) {
        List<TokenizedFeedback> out = new ArrayList<>(pairs.size() + thumbs.size());
        for (PreferenceExample e : pairs) {
            TokenizedExample first = tokenization.tokenize(e.prompt(), e.chosen());
            TokenizedExample second = tokenization.tokenize(e.prompt(), e.rejected());
            if (first.targetCount() > 0 && second.targetCount() > 0) {
                out.add(new TokenizedFeedback(first, second, e.margin(), RewardSignal.of(e),
                        e.tie() ? RewardLosses.TIE : RewardLosses.BETTER, 1));
            }
        }
        for (ThumbsExample t : thumbs) {
            TokenizedExample answer = tokenization.tokenize(t.prompt(), t.completion());
            if (answer.targetCount() > 0) {
                out.add(new TokenizedFeedback(answer, null, 0, RewardSignal.THUMBS,
                        t.label() ? RewardLosses.BETTER : RewardLosses.WORSE, config.thumbsWeight()));
            }
        }
        int skipped = pairs.size() + thumbs.size() - out.size();
        if (skipped > 0) {
            LOG.warn("{} of {} examples have an answer with no token within max_length={} and are skipped", skipped,
                    pairs.size() + thumbs.size(), config.args().maxLength());
        }
        return out;
    }

    /**
     * Trains on pairs only, then saves the output directory (see the class comment).
     *
     * @param train training pairs
     * @param eval evaluation pairs (may be empty)
     * @param listener progress callbacks
     * @return what happened
     */
    public PairwiseResult train(List<PreferenceExample> train, List<PreferenceExample> eval, TrainingListener listener) {
        return train(RewardDataset.ofPairs(train, eval), listener);
    }

    /**
     * Trains on everything the data holds, exactly (no mismatched pairs are added here: {@link RewardRun} adds them),
     * then saves the output directory (see the class comment). With {@code thumbs_weight} 0 the training thumbs are
     * left out; held-out thumbs are still reported.
     *
     * @param data pairs and thumbs, each split
     * @param listener progress callbacks
     * @return what happened
     */
    public PairwiseResult train(RewardDataset data, TrainingListener listener) {
        List<TokenizedFeedback> trainSet = tokenize(data.trainPairs(),
                config.thumbsWeight() > 0 ? data.trainThumbs() : List.of());
        List<TokenizedFeedback> evalSet = tokenize(data.evalPairs(), data.evalThumbs());
        LOG.info("reward model data: training {}, held out {}", counts(trainSet), counts(evalSet));
        PairwiseResult result = new PreferenceTrainingLoop<>(config.args(), this, CONFIG_FILE, config.toJson())
                .run(trainSet, evalSet, listener);
        Path out = config.args().outputDir();
        ModelOutput.save(model, lora, config.args().mergesLora(), out);
        head.save(out);
        statistics(trainSet).write(out);
        JsonObject results = new JsonObject();
        result.evalMetrics().forEach(results::addProperty);
        Json.write(out.resolve(EVAL_RESULTS_FILE), results);
        return result;
    }

    /** Examples by kind of feedback, for the log. */
    private static Map<String, Integer> counts(List<TokenizedFeedback> items) {
        Map<String, Integer> out = new TreeMap<>();
        items.forEach(i -> out.merge(i.signal().label(), 1, Integer::sum));
        return out;
    }

    /**
     * @param items tokenised examples
     * @return the statistics of the current model's raw rewards over every answer of the examples
     */
    public RewardStats statistics(List<TokenizedFeedback> items) {
        return RewardStats.of(rewardModel.rawScores(sequences(items)));
    }

    @Override
    public List<Pair<String, Parameter>> trainable() {
        return trainable;
    }

    @Override
    public Map<String, Double> backward(List<TokenizedFeedback> items, int windowExamples,
            GradientCollector collector) {
        List<TokenizedFeedback> batch = twoAnswersFirst(items);
        int n = batch.size();
        int paired = (int) batch.stream().filter(TokenizedFeedback::twoAnswers).count();
        try (NDManager m = manager.newSubManager()) {
            NDArray scores = rewardModel.scores(sequences(batch), m);
            NDArray first = scores.get(new NDIndex("0:{}", n));
            NDArray second = second(scores, n, paired, m);
            double[] p = new double[n];
            double[] w = new double[n];
            float[] margins = new float[n];
            for (int i = 0; i < n; i++) {
                p[i] = batch.get(i).target();
                w[i] = batch.get(i).weight();
                margins[i] = (float) batch.get(i).margin();
            }
            NDArray d = first.sub(second).sub(NativeArrays.copyOf(m, margins, new Shape(n), DataType.FLOAT32));
            NDArray loss = RewardLosses.sum(d, p, w, m);
            if (config.centerRewardsCoefficient() > 0 && paired > 0) {
                loss = loss.add(first.get(new NDIndex("0:{}", paired)).add(scores.get(new NDIndex("{}:", n)))
                        .square().sum()
                        .mul(NativeArrays.scalar(m, config.centerRewardsCoefficient(), DataType.FLOAT32)));
            }
            collector.backward(loss.mul(NativeArrays.scalar(m, 1.0 / windowExamples, DataType.FLOAT32)));
            return trainingMetrics(first.toFloatArray(), second.toFloatArray(), batch);
        }
    }

    /** Examples with two answers, then thumbs: the second answers' rewards then line up with the first ones. */
    private static List<TokenizedFeedback> twoAnswersFirst(List<TokenizedFeedback> items) {
        List<TokenizedFeedback> out = new ArrayList<>(items.size());
        items.stream().filter(TokenizedFeedback::twoAnswers).forEach(out::add);
        items.stream().filter(i -> !i.twoAnswers()).forEach(out::add);
        return out;
    }

    /** The second answers' rewards, then the thumbs' reference reward 0 (see {@link RewardLosses}). */
    private static NDArray second(NDArray scores, int n, int paired, NDManager m) {
        if (paired == 0) {
            return m.zeros(new Shape(n), DataType.FLOAT32);
        }
        NDArray seconds = scores.get(new NDIndex("{}:", n));
        return paired == n ? seconds
                : NDArrays.concat(new NDList(seconds, m.zeros(new Shape(n - paired), DataType.FLOAT32)));
    }

    @Override
    public void updated() {
        network.weightsChanged();
    }

    @Override
    public Map<String, Double> evaluate(List<TokenizedFeedback> items) {
        int batch = config.args().evalBatchSize();
        HeldOut heldOut = new HeldOut(config.centerRewardsCoefficient());
        for (int from = 0; from < items.size(); from += batch) {
            List<TokenizedFeedback> chunk = items.subList(from, Math.min(items.size(), from + batch));
            double[] scores = rewardModel.rawScores(sequences(chunk));
            int paired = 0;
            for (int i = 0; i < chunk.size(); i++) {
                TokenizedFeedback item = chunk.get(i);
                heldOut.add(item, scores[i], item.twoAnswers() ? scores[chunk.size() + paired++] : 0);
            }
        }
        return heldOut.metrics();
    }

    @Override
    public int tokens(TokenizedFeedback example) {
        return example.tokens();
    }

    /** First answers of all examples, then second answers of those that have one, in the same order. */
    private static List<TokenizedExample> sequences(List<TokenizedFeedback> items) {
        List<TokenizedExample> out = new ArrayList<>(items.size() * 2);
        items.forEach(i -> out.add(i.first()));
        items.stream().filter(TokenizedFeedback::twoAnswers).forEach(i -> out.add(i.second()));
        return out;
    }

    /**
     * Sums over examples of the loss, whether the model judged it right ({@link #judgedRight}) and the margin in the
     * target's direction ({@code d} for a pair, the reward's signed distance from 0 for thumbs, 0 for a tie).
     */
    private Map<String, Double> trainingMetrics(float[] first, float[] second, List<TokenizedFeedback> items) {
        double loss = 0;
        double right = 0;
        double margin = 0;
        for (int i = 0; i < first.length; i++) {
            TokenizedFeedback item = items.get(i);
            double d = first[i] - second[i] - item.margin();
            loss += lossOf(item, first[i], second[i], config.centerRewardsCoefficient());
            right += judgedRight(item, d) ? 1 : 0;
            margin += (2 * item.target() - 1) * d;
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("loss", loss);
        out.put("accuracy", right);
        out.put("mean_margin", margin);
        return out;
    }

    private static double lossOf(TokenizedFeedback item, double first, double second, double centering) {
        double loss = RewardLosses.of(first - second - item.margin(), item.target(), item.weight());
        return item.twoAnswers() ? loss + centering * (first + second) * (first + second) : loss;
    }

    /**
     * Whether the model agrees with the feedback: a pair's first answer scored higher, a tie's two within
     * {@link #TIE_TOLERANCE}, a thumbs example's reward on the thumb's side of 0.
     */
    private static boolean judgedRight(TokenizedFeedback item, double d) {
        return item.target() == RewardLosses.TIE ? Math.abs(d) < TIE_TOLERANCE : (2 * item.target() - 1) * d > 0;
    }

    /** The held-out scores, by kind of feedback, and the metrics they give (see the class comment). */
    private static final class HeldOut {
        /** Per kind: count, loss, judged right, margin (|d| for ties). */
        private final Map<RewardSignal, double[]> sums = new EnumMap<>(RewardSignal.class);
        private final List<Double> up = new ArrayList<>();
        private final List<Double> down = new ArrayList<>();
        private final double centering;
        private double loss;
        private int count;

        HeldOut(double centering) {
            this.centering = centering;
        }

        void add(TokenizedFeedback item, double first, double second) {
            double d = first - second - item.margin();
            double itemLoss = lossOf(item, first, second, centering);
            double[] s = sums.computeIfAbsent(item.signal(), k -> new double[4]);
            s[0]++;
            s[1] += itemLoss;
            s[2] += judgedRight(item, d) ? 1 : 0;
            s[3] += item.signal() == RewardSignal.TIES ? Math.abs(d) : d;
            if (item.signal() == RewardSignal.THUMBS) {
                (item.target() == RewardLosses.BETTER ? up : down).add(first);
            }
            loss += itemLoss;
            count++;
        }

        Map<String, Double> metrics() {
            Map<String, Double> out = new LinkedHashMap<>();
            double auc = auc(up, down);
            double feedback = 0;
            double feedbackRight = 0;
            double feedbackMargin = 0;
            for (Map.Entry<RewardSignal, double[]> e : sums.entrySet()) {
                if (e.getKey().isFeedbackPair()) {
                    feedback += e.getValue()[0];
                    feedbackRight += e.getValue()[2];
                    feedbackMargin += e.getValue()[3];
                }
            }
            out.put("loss", loss / count);
            if (feedback > 0) {
                out.put("accuracy", feedbackRight / feedback);
                out.put("mean_margin", feedbackMargin / feedback);
            } else if (!Double.isNaN(auc)) {
                out.put("accuracy", auc);
            }
            sums.forEach((signal, s) -> {
                String kind = "/" + signal.label();
                out.put("count" + kind, s[0]);
                out.put("loss" + kind, s[1] / s[0]);
                switch (signal) {
                    case THUMBS -> {
                        if (!Double.isNaN(auc)) {
                            out.put("accuracy" + kind, auc);
                        }
                        out.put("sign_accuracy" + kind, s[2] / s[0]);
                    }
                    case TIES -> {
                        out.put("accuracy" + kind, s[2] / s[0]);
                        out.put("mean_gap" + kind, s[3] / s[0]);
                    }
                    default -> {
                        out.put("accuracy" + kind, s[2] / s[0]);
                        out.put("mean_margin" + kind, s[3] / s[0]);
                    }
                }
            });
            return out;
        }
    }

    /**
     * P(a thumbs-up answer scores above a thumbs-down one), ties half (Mann-Whitney's U over both sizes): the
     * held-out thumbs metric of training and of the evaluation gate.
     *
     * @param up the scores of thumbs-up answers
     * @param down the scores of thumbs-down answers
     * @return the AUC; NaN without both
     */
    public static double auc(List<Double> up, List<Double> down) {
        if (up.isEmpty() || down.isEmpty()) {
            return Double.NaN;
        }
        double wins = 0;
        for (double u : up) {
            for (double d : down) {
                wins += u > d ? 1 : u == d ? 0.5 : 0;
            }
        }
        return wins / ((double) up.size() * down.size());
    }

    @Override
    public void saveTrainable(Path dir) {
        weights.save(dir);
        head.save(dir);
    }

    @Override
    public void restoreTrainable(Path dir) {
        weights.restore(dir);
        try (SafetensorsReader reader = SafetensorsReader.open(dir.resolve(ScalarHead.FILE))) {
            reader.readInto(ScalarHead.TENSOR, head.weight().getArray(), 0);
        }
    }

    /** Frees the head and the trainer's arrays; removes LoRA adapters from the model. */
    @Override
    public void close() {
        manager.close();
        head.close();
        weights.close();
    }
}
