package ai.kaizen.trainer.reward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.head.ScalarHead;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.NativeArrays;
import ai.kaizen.model.lora.Lora;
import ai.kaizen.model.safetensors.SafetensorsReader;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.pairwise.ModelOutput;
import ai.kaizen.trainer.pairwise.PairLosses;
import ai.kaizen.trainer.pairwise.PairTokenization;
import ai.kaizen.trainer.pairwise.PairwiseObjective;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.pairwise.PairwiseTrainingLoop;
import ai.kaizen.trainer.pairwise.TokenizedPair;
import ai.kaizen.trainer.pairwise.TrainingArguments;
import ai.kaizen.trainer.sft.SftListener;
import ai.kaizen.trainer.sft.TokenizedExample;
import ai.kaizen.trainer.pairwise.TrainableWeights;
import ai.kaizen.model.config.Json;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reward-model training (TRL's {@code RewardTrainer}): a backbone initialised from the SFT model
 * plus a fresh {@link ScalarHead} read at the last real token, trained on preference pairs with the
 * Bradley-Terry loss of {@link RewardConfig}; full fine-tuning or LoRA (the head always trains).
 *
 * <h2>Output directory</h2>
 *
 * <pre>
 * metrics.jsonl                 loss, accuracy, mean_margin, grad_norm, ...; eval_loss, eval_accuracy, eval_mean_margin
 * reward_config.json            the configuration (TRL names)
 * checkpoint-STEP/              weights (HF model, or PEFT adapters), scalar_head.safetensors,
 *                               optimizer.safetensors, trainer_state.json
 * config.json, model.safetensors, tokenizer files, chat_template.jinja
 *                               the backbone (merged with LoRA; adapters in adapter/), loadable by LanguageModel.load
 * scalar_head.safetensors       the head (score.weight, as transformers' sequence classifiers)
 * reward_stats.json             {"mean", "std"} of raw rewards over the training answers, for normalisation
 * eval_results.json             the final evaluation's metrics
 * </pre>
 *
 * {@link RewardModel#load} reads the result.
 */
public final class RewardTrainer implements PairwiseObjective, AutoCloseable {

    /** The configuration file written into the output directory. */
    public static final String CONFIG_FILE = "reward_config.json";

    /** The final evaluation's metrics. */
    public static final String EVAL_RESULTS_FILE = "eval_results.json";

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
    public List<TokenizedPair> tokenize(List<PreferenceExample> examples) {
        return tokenization.tokenize(examples);
    }

    /**
     * Trains, then saves the output directory (see the class comment).
     *
     * @param train training pairs
     * @param eval evaluation pairs (may be empty)
     * @param listener progress callbacks
     * @return what happened
     */
    public PairwiseResult train(List<PreferenceExample> train, List<PreferenceExample> eval, SftListener listener) {
        List<TokenizedPair> trainSet = tokenize(train);
        List<TokenizedPair> evalSet = tokenize(eval);
        PairwiseResult result = new PairwiseTrainingLoop(config.args(), this, CONFIG_FILE, config.toJson())
                .run(trainSet, evalSet, listener);
        Path out = config.args().outputDir();
        ModelOutput.save(model, lora, out);
        head.save(out);
        statistics(trainSet).write(out);
        JsonObject results = new JsonObject();
        result.evalMetrics().forEach(results::addProperty);
        Json.write(out.resolve(EVAL_RESULTS_FILE), results);
        return result;
    }

    /**
     * @param pairs tokenised pairs
     * @return the statistics of the current model's raw rewards over both answers of every pair
     */
    public RewardStats statistics(List<TokenizedPair> pairs) {
        List<TokenizedExample> answers = new ArrayList<>(pairs.size() * 2);
        for (TokenizedPair p : pairs) {
            answers.add(p.chosen());
            answers.add(p.rejected());
        }
        return RewardStats.of(rewardModel.rawScores(answers));
    }

    @Override
    public List<Pair<String, Parameter>> trainable() {
        return trainable;
    }

    @Override
    public Map<String, Double> backward(List<TokenizedPair> pairs, int windowPairs, GradientCollector collector) {
        int b = pairs.size();
        try (NDManager m = manager.newSubManager()) {
            NDArray scores = rewardModel.scores(sequences(pairs), m);
            NDArray chosen = scores.get(new NDIndex("0:{}", b));
            NDArray rejected = scores.get(new NDIndex("{}:", b));
            float[] margins = new float[b];
            for (int i = 0; i < b; i++) {
                margins[i] = (float) pairs.get(i).margin();
            }
            NDArray margin = NativeArrays.copyOf(m, margins, new Shape(b), DataType.FLOAT32);
            NDArray loss = PairLosses.logSigmoid(chosen.sub(rejected).sub(margin)).sum().neg();
            if (config.centerRewardsCoefficient() > 0) {
                loss = loss.add(chosen.add(rejected).square().sum()
                        .mul(NativeArrays.scalar(m, config.centerRewardsCoefficient(), DataType.FLOAT32)));
            }
            collector.backward(loss.mul(NativeArrays.scalar(m, 1.0 / windowPairs, DataType.FLOAT32)));
            return metrics(chosen.toFloatArray(), rejected.toFloatArray(), pairs);
        }
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
            double[] scores = rewardModel.rawScores(sequences(chunk));
            float[] chosen = new float[chunk.size()];
            float[] rejected = new float[chunk.size()];
            for (int i = 0; i < chunk.size(); i++) {
                chosen[i] = (float) scores[i];
                rejected[i] = (float) scores[chunk.size() + i];
            }
            metrics(chosen, rejected, chunk).forEach((k, v) -> sums.merge(k, v, Double::sum));
        }
        Map<String, Double> means = new LinkedHashMap<>();
        sums.forEach((k, v) -> means.put(k, v / pairs.size()));
        return means;
    }

    /** Chosen answers first, then rejected ones: one forward pass scores both sides (TRL's concatenated batch). */
    private static List<TokenizedExample> sequences(List<TokenizedPair> pairs) {
        List<TokenizedExample> out = new ArrayList<>(pairs.size() * 2);
        pairs.forEach(p -> out.add(p.chosen()));
        pairs.forEach(p -> out.add(p.rejected()));
        return out;
    }

    /** Sums over pairs of the loss, the accuracy (chosen scored higher) and the reward margin. */
    private Map<String, Double> metrics(float[] chosen, float[] rejected, List<TokenizedPair> pairs) {
        double loss = 0;
        double correct = 0;
        double margin = 0;
        for (int i = 0; i < chosen.length; i++) {
            double difference = chosen[i] - rejected[i];
            loss -= PairLosses.logSigmoid(difference - pairs.get(i).margin());
            double sum = chosen[i] + rejected[i];
            loss += config.centerRewardsCoefficient() * sum * sum;
            correct += difference > 0 ? 1 : 0;
            margin += difference;
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("loss", loss);
        out.put("accuracy", correct);
        out.put("mean_margin", margin);
        return out;
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
