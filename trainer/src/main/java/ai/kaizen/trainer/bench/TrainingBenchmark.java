package ai.kaizen.trainer.bench;

import ai.kaizen.model.files.FileTrees;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.config.GenerationConfig;
import ai.kaizen.model.config.LlamaConfig;
import ai.kaizen.model.head.ScalarHead;
import ai.kaizen.model.llama.ForwardOutput;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.ModelOptions;
import ai.kaizen.model.llama.NativeArrays;
import ai.kaizen.model.llama.TorchThreads;
import ai.kaizen.model.tokenizer.Tokenizer;
import ai.kaizen.model.training.Gradients;
import ai.kaizen.model.training.TokenLogprobs;
import ai.kaizen.trainer.online.IterationTimes;
import ai.kaizen.trainer.optim.AdamW;
import ai.kaizen.trainer.ppo.PpoConfig;
import ai.kaizen.trainer.ppo.PpoTrainer;
import ai.kaizen.trainer.reward.RewardStats;
import ai.kaizen.trainer.online.RewardModelReward;
import ai.kaizen.trainer.reward.RewardModel;
import ai.kaizen.trainer.ppo.ValueModel;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Times training on a model, or on random weights of a model's shape: SFT (forward, next-token
 * cross-entropy, backward, clipping, AdamW, on {@code batch x seqLen} tokens) and one PPO
 * iteration split into generation, scoring and update (a rollout batch of {@code batch} prompts of
 * {@code seqLen / 2} tokens and responses of up to {@code seqLen / 2}; the policy, its reference,
 * the critic and the reward model are four copies of the model, as in a real run). Each figure is
 * the median of {@code steps} timed repetitions after one untimed warm-up.
 */
public final class TrainingBenchmark {

    private TrainingBenchmark() {}

    /**
     * @param batch sequences per SFT step; prompts per PPO iteration
     * @param seqLen tokens per SFT sequence; PPO prompt plus response
     * @param steps timed repetitions of each
     * @param ppoEpochs PPO epochs per iteration (TRL's default is 4)
     * @param threads PyTorch intra-op threads while training (sampling and scoring use one)
     */
    public record Settings(int batch, int seqLen, int steps, int ppoEpochs, int threads) {

        /** Validates. */
        public Settings {
            if (batch < 1 || seqLen < 4 || steps < 1 || ppoEpochs < 1 || threads < 1) {
                throw new IllegalArgumentException("batch, steps, ppo epochs and threads must be >= 1 and "
                        + "seq-len >= 4");
            }
        }
    }

    /**
     * Where the models come from: a directory, or random weights of a configuration's shape (with a
     * word-level tokenizer of the same vocabulary: timing needs ids, not words).
     *
     * @param name what to report as the model
     * @param config the shape
     * @param network makes a fresh copy of the network
     * @param directory the model directory (tokenizer files), or null for random weights
     */
    public record Source(String name, LlamaConfig config, Supplier<LlamaModel> network, Path directory) {

        /** @param dir a model directory @return the source */
        public static Source directory(Path dir) {
            return new Source(dir.toString(), LlamaConfig.load(dir), () -> LlamaModel.load(dir, ModelOptions.DEFAULT),
                    dir);
        }

        /** @param configFile a {@code config.json} @return random weights of its shape */
        public static Source random(Path configFile) {
            LlamaConfig config = LlamaConfig.load(configFile);
            return new Source(configFile.toString(), config, () -> LlamaModel.random(config, ModelOptions.DEFAULT, 0),
                    null);
        }
    }

    /**
     * Medians, in seconds unless named otherwise.
     *
     * @param model the model reported
     * @param params parameters of one copy
     * @param settings the settings
     * @param sftTokensPerSecond SFT tokens (batch x seqLen) per second of a training step
     * @param sftStepSeconds one SFT step
     * @param ppoGenerationSeconds sampling the responses
     * @param ppoScoringSeconds the reward model and the policy's, reference's and critic's forward passes
     * @param ppoUpdateSeconds the PPO epochs
     * @param ppoIterationSeconds the three together
     * @param ppoResponseTokens mean response length
     */
    public record Result(String model, long params, Settings settings, double sftTokensPerSecond,
            double sftStepSeconds, double ppoGenerationSeconds, double ppoScoringSeconds, double ppoUpdateSeconds,
            double ppoIterationSeconds, double ppoResponseTokens) {

        /** @return one JSON object */
        public JsonObject toJson() {
            JsonObject o = new JsonObject();
            o.addProperty("model", model);
            o.addProperty("params", params);
            o.addProperty("batch", settings.batch());
            o.addProperty("seq_len", settings.seqLen());
            o.addProperty("steps", settings.steps());
            o.addProperty("torch_threads_training", settings.threads());
            o.addProperty("sft_tokens_per_s", round(sftTokensPerSecond));
            o.addProperty("sft_step_s", round(sftStepSeconds));
            o.addProperty("ppo_num_ppo_epochs", settings.ppoEpochs());
            o.addProperty("ppo_prompt_tokens", settings.seqLen() / 2);
            o.addProperty("ppo_response_tokens", round(ppoResponseTokens));
            o.addProperty("ppo_generation_s", round(ppoGenerationSeconds));
            o.addProperty("ppo_scoring_s", round(ppoScoringSeconds));
            o.addProperty("ppo_update_s", round(ppoUpdateSeconds));
            o.addProperty("ppo_iteration_s", round(ppoIterationSeconds));
            return o;
        }

        private static double round(double v) {
            return Math.round(v * 1000) / 1000.0;
        }
    }

    /**
     * @param source the model
     * @param settings sizes and repetitions
     * @return the medians
     */
    public static Result run(Source source, Settings settings) {
        double[] sft = sftSteps(source, settings);
        double sftStep = median(sft);
        List<IterationTimes> ppo = ppoIterations(source, settings);
        double[] gen = ppo.stream().mapToDouble(IterationTimes::generationSeconds).toArray();
        double[] score = ppo.stream().mapToDouble(IterationTimes::scoringSeconds).toArray();
        double[] update = ppo.stream().mapToDouble(IterationTimes::updateSeconds).toArray();
        double[] total = ppo.stream().mapToDouble(t -> t.generationSeconds() + t.scoringSeconds()
                + t.updateSeconds()).toArray();
        double length = ppo.stream().mapToDouble(IterationTimes::meanResponseLength).average().orElse(0);
        long params;
        try (LlamaModel m = source.network().get()) {
            params = m.parameterCount();
        }
        return new Result(source.name(), params, settings, settings.batch() * settings.seqLen() / sftStep, sftStep,
                median(gen), median(score), median(update), median(total), length);
    }

    /** Full fine-tuning steps on random token ids: seconds per step (the warm-up dropped). */
    static double[] sftSteps(Source source, Settings settings) {
        int threads = TorchThreads.get();
        TorchThreads.set(settings.threads());
        try (LlamaModel model = source.network().get()) {
            model.setTrainable(true);
            List<Pair<String, Parameter>> params = new ArrayList<>();
            model.parameters().forEach(params::add);
            params.forEach(p -> p.getValue().getArray().setRequiresGradient(true));
            Random random = new Random(1);
            double[] seconds = new double[settings.steps()];
            try (AdamW optimizer = new AdamW(params, AdamW.Hyper.DEFAULT);
                    NDManager manager = model.manager().newSubManager()) {
                for (int step = -1; step < settings.steps(); step++) {
                    long started = System.nanoTime();
                    try (NDManager m = manager.newSubManager(); NDScope scope = new NDScope()) {
                        scope.suppressNotUsedWarning();
                        NDArray ids = randomIds(m, random, settings.batch(), settings.seqLen(), source.config());
                        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                            ForwardOutput out = model.forward(ids, null, true);
                            NDArray logp = TokenLogprobs.ofInputs(out.logits(), ids, 1.0);
                            NDArray loss = logp.sum().neg().mul(NativeArrays.scalar(m,
                                    1.0 / (settings.batch() * (settings.seqLen() - 1)), DataType.FLOAT32));
                            collector.backward(loss);
                        }
                        Gradients.clip(optimizer.gradients(), 1.0);
                    }
                    optimizer.step(1e-5);
                    optimizer.zeroGradients();
                    model.weightsChanged();
                    if (step >= 0) {
                        seconds[step] = (System.nanoTime() - started) / 1e9;
                    }
                }
            }
            return seconds;
        } finally {
            TorchThreads.set(threads);
        }
    }

    private static NDArray randomIds(NDManager m, Random random, int batch, int length, LlamaConfig config) {
        long[] ids = new long[batch * length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 3 + random.nextInt(config.vocabSize() - 3);
        }
        return m.create(ids, new Shape(batch, length));
    }

    /** PPO iterations (the warm-up dropped) with policy, reference, critic and reward model of the same shape. */
    static List<IterationTimes> ppoIterations(Source source, Settings settings) {
        Path temp = null;
        try {
            temp = Files.createTempDirectory("kaizen-bench-train");
            Path tokenizerDir = source.directory() != null ? source.directory() : wordLevelTokenizer(temp,
                    source.config().vocabSize());
            JsonObject options = new JsonObject();
            options.addProperty("per_device_train_batch_size", settings.batch());
            options.addProperty("num_ppo_epochs", settings.ppoEpochs());
            options.addProperty("response_length", settings.seqLen() / 2);
            options.addProperty("max_prompt_length", settings.seqLen() / 2);
            options.addProperty("kl_limit", 0);
            options.addProperty("ratio_limit", 0);
            options.addProperty("learning_rate", 1e-6);
            options.addProperty("save_steps", 0);
            options.addProperty("eval_steps", 0);
            PpoConfig config = PpoConfig.fromJson(options, PpoConfig.defaults(temp.resolve("out")));
            LlamaModel valueNetwork = source.network().get();
            LlamaModel rewardNetwork = source.network().get();
            Tokenizer tokenizer = Tokenizer.load(tokenizerDir);
            LlamaModel policyNetwork = source.network().get();
            try (LanguageModel policy = LanguageModel.of(tokenizerDir, policyNetwork, tokenizer,
                    GenerationConfig.load(tokenizerDir, source.config()));
                    RewardModelReward reward = new RewardModelReward(RewardModel.of(LanguageModel.of(tokenizerDir,
                            rewardNetwork, tokenizer, GenerationConfig.load(tokenizerDir, source.config())),
                            ScalarHead.create(rewardNetwork, 2), RewardStats.IDENTITY));
                    PpoTrainer trainer = new PpoTrainer(config, policy, source.network().get(),
                            ValueModel.of(valueNetwork, ScalarHead.create(valueNetwork, 1)), reward)) {
                trainer.setUpdateThreads(settings.threads());
                Random random = new Random(2);
                List<int[]> prompts = new ArrayList<>();
                for (int b = 0; b < settings.batch(); b++) {
                    int[] p = new int[settings.seqLen() / 2];
                    for (int i = 0; i < p.length; i++) {
                        p[i] = 3 + random.nextInt(source.config().vocabSize() - 3);
                    }
                    prompts.add(p);
                }
                List<IterationTimes> out = new ArrayList<>();
                for (int step = -1; step < settings.steps(); step++) {
                    IterationTimes t = trainer.timeIteration(prompts, step + 1);
                    if (step >= 0) {
                        out.add(t);
                    }
                }
                return out;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (temp != null) {
                FileTrees.deleteQuietly(temp);
            }
        }
    }

    /**
     * A Hugging Face word-level tokenizer whose vocabulary is {@code <unk> <s> </s> t3 ... t(n-1)}:
     * random weights come without a tokenizer, and the generator needs one to detokenise.
     */
    public static Path wordLevelTokenizer(Path dir, int vocabSize) throws IOException {
        StringBuilder vocab = new StringBuilder("{\"<unk>\":0,\"<s>\":1,\"</s>\":2");
        for (int i = 3; i < vocabSize; i++) {
            vocab.append(",\"t").append(i).append("\":").append(i);
        }
        vocab.append('}');
        String json = "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[],"
                + "\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"Whitespace\"},\"post_processor\":null,"
                + "\"decoder\":null,\"model\":{\"type\":\"WordLevel\",\"vocab\":" + vocab
                + ",\"unk_token\":\"<unk>\"}}";
        Path tokenizerDir = dir.resolve("tokenizer");
        Files.createDirectories(tokenizerDir);
        Files.writeString(tokenizerDir.resolve("tokenizer.json"), json, StandardCharsets.UTF_8);
        return tokenizerDir;
    }

    /** @return the median of the values (the mean of the middle two for an even count) */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
