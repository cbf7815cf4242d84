package ai.kaizen.trainer.bench;

import ai.kaizen.model.files.FileTrees;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.config.GenerationConfig;
import ai.kaizen.model.head.ScalarHead;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.tokenizer.Tokenizer;
import ai.kaizen.trainer.grpo.GrpoConfig;
import ai.kaizen.trainer.grpo.GrpoTrainer;
import ai.kaizen.trainer.online.GroupTrainer;
import ai.kaizen.trainer.online.IterationTimes;
import ai.kaizen.trainer.online.OnlineAlgorithm;
import ai.kaizen.trainer.online.OnlineTrainingLoop;
import ai.kaizen.trainer.online.RewardModelReward;
import ai.kaizen.trainer.ppo.PpoConfig;
import ai.kaizen.trainer.ppo.PpoTrainer;
import ai.kaizen.trainer.ppo.ValueModel;
import ai.kaizen.trainer.reward.RewardModel;
import ai.kaizen.trainer.reward.RewardStats;
import ai.kaizen.trainer.rloo.RlooConfig;
import ai.kaizen.trainer.rloo.RlooTrainer;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Times one online method's iterations on a model's shape, for comparing PPO, RLOO and GRPO on the same work:
 * every method samples {@code batch} answers per iteration of up to {@code seqLen / 2} tokens to prompts of
 * {@code seqLen / 2} tokens (PPO one answer to each of {@code batch} prompts, RLOO and GRPO {@code generations}
 * answers to each of {@code batch / generations} prompts) and makes {@code ppoEpochs} passes over them (PPO's
 * {@code num_ppo_epochs}, RLOO's and GRPO's {@code num_iterations}). Each figure is the median of {@code steps}
 * timed iterations after one untimed warm-up.
 *
 * <p>Memory: the bytes of weights, gradients and AdamW moments the method holds (PPO: policy, reference, critic and
 * reward model, the policy and critic trained; RLOO, GRPO: policy, reference and reward model, the policy trained),
 * and how far the process's resident memory rose above where it stood before the method's models were made (Linux:
 * the peak is reset through {@code /proc/self/clear_refs} first; run one method per process for figures free of
 * what earlier methods left in the allocator).
 */
public final class OnlineBenchmark {

    private OnlineBenchmark() {}

    /** The methods it times. */
    public static final List<String> METHODS = List.of("ppo", "rloo", "grpo");

    /**
     * Medians, in seconds unless named otherwise.
     *
     * @param method {@code ppo}, {@code rloo} or {@code grpo}
     * @param answersPerPrompt 1 for PPO, {@code num_generations} otherwise
     * @param samples answers per iteration
     * @param generationSeconds sampling
     * @param scoringSeconds the reward and the forward passes for log-probabilities (PPO: and values), advantages
     * @param updateSeconds the passes of the update
     * @param iterationSeconds the three together
     * @param responseTokens mean answer length
     * @param stateBytes weights, gradients and optimizer moments held (float32)
     * @param peakRssGrowthBytes the process's peak resident memory above its level before the method, or -1
     */
    public record Result(String method, int answersPerPrompt, int samples, double generationSeconds,
            double scoringSeconds, double updateSeconds, double iterationSeconds, double responseTokens,
            long stateBytes, long peakRssGrowthBytes) {

        /** @return answers trained on per second of an iteration */
        public double samplesPerSecond() {
            return samples / iterationSeconds;
        }

        /** @param o the JSON line to add this method's fields to, each named after the method */
        public void addTo(JsonObject o) {
            String p = method + "_";
            o.addProperty(p + "answers_per_prompt", answersPerPrompt);
            o.addProperty(p + "samples", samples);
            o.addProperty(p + "response_tokens", round(responseTokens));
            o.addProperty(p + "generation_s", round(generationSeconds));
            o.addProperty(p + "scoring_s", round(scoringSeconds));
            o.addProperty(p + "update_s", round(updateSeconds));
            o.addProperty(p + "iteration_s", round(iterationSeconds));
            o.addProperty(p + "samples_per_s", round(samplesPerSecond()));
            o.addProperty(p + "state_mb", round(stateBytes / 1e6));
            o.addProperty(p + "peak_rss_growth_mb", peakRssGrowthBytes < 0 ? -1 : round(peakRssGrowthBytes / 1e6));
        }

        private static double round(double v) {
            return Math.round(v * 1000) / 1000.0;
        }
    }

    /**
     * @param source the model
     * @param settings sizes and repetitions
     * @param method {@code ppo}, {@code rloo} or {@code grpo}
     * @param generations answers per prompt for RLOO and GRPO (must divide {@code batch})
     * @return the medians
     */
    public static Result run(TrainingBenchmark.Source source, TrainingBenchmark.Settings settings, String method,
            int generations) {
        if (!METHODS.contains(method)) {
            throw new IllegalArgumentException("unknown online method '" + method + "'; methods are " + METHODS);
        }
        int perPrompt = method.equals("ppo") ? 1 : generations;
        if (perPrompt < 1 || settings.batch() % perPrompt != 0 || (!method.equals("ppo") && perPrompt < 2)) {
            throw new IllegalArgumentException("--generations must be >= 2 and divide --batch (" + settings.batch()
                    + ")");
        }
        Path temp = null;
        try {
            temp = Files.createTempDirectory("kaizen-bench-online");
            Path tokenizerDir = source.directory() != null ? source.directory()
                    : TrainingBenchmark.wordLevelTokenizer(temp, source.config().vocabSize());
            try (LlamaModel warmUp = source.network().get()) {
                warmUp.parameterCount(); // loads PyTorch before the memory baseline: its libraries are no method's
            }
            long rssBefore = resetPeakRss();
            Tokenizer tokenizer = Tokenizer.load(tokenizerDir);
            LlamaModel rewardNetwork = source.network().get();
            try (LanguageModel policy = LanguageModel.of(tokenizerDir, source.network().get(), tokenizer,
                    GenerationConfig.load(tokenizerDir, source.config()));
                    RewardModelReward reward = new RewardModelReward(RewardModel.of(LanguageModel.of(tokenizerDir,
                            rewardNetwork, tokenizer, GenerationConfig.load(tokenizerDir, source.config())),
                            ScalarHead.create(rewardNetwork, 2), RewardStats.IDENTITY))) {
                long p = policy.network().parameterCount();
                List<IterationTimes> times;
                long stateBytes;
                Path out = temp.resolve("out");
                List<int[]> prompts = prompts(source, settings, settings.batch() / perPrompt);
                if (method.equals("ppo")) {
                    LlamaModel valueNetwork = source.network().get();
                    try (PpoTrainer trainer = new PpoTrainer(ppoConfig(settings, out), policy,
                            source.network().get(), ValueModel.of(valueNetwork, ScalarHead.create(valueNetwork, 1)),
                            reward)) {
                        trainer.setUpdateThreads(settings.threads());
                        times = time(trainer, prompts, settings.steps());
                    }
                    stateBytes = 4 * (4 * p + 3 * 2 * p); // 4 copies; gradients and 2 moments of policy and critic
                } else {
                    try (GroupTrainer trainer = method.equals("rloo")
                            ? RlooTrainer.METHOD.create(RlooConfig.fromJson(groupOptions(settings, perPrompt),
                                    RlooConfig.defaults(out)), policy, source.network().get(), reward)
                            : GrpoTrainer.METHOD.create(GrpoConfig.fromJson(groupOptions(settings, perPrompt),
                                    GrpoConfig.defaults(out)), policy, source.network().get(), reward)) {
                        trainer.setUpdateThreads(settings.threads());
                        times = time(trainer, prompts, settings.steps());
                    }
                    stateBytes = 4 * (3 * p + 3 * p); // 3 copies; gradients and 2 moments of the policy
                }
                long peak = peakRss();
                return new Result(method, perPrompt, settings.batch(),
                        TrainingBenchmark.median(times.stream().mapToDouble(IterationTimes::generationSeconds).toArray()),
                        TrainingBenchmark.median(times.stream().mapToDouble(IterationTimes::scoringSeconds).toArray()),
                        TrainingBenchmark.median(times.stream().mapToDouble(IterationTimes::updateSeconds).toArray()),
                        TrainingBenchmark.median(times.stream().mapToDouble(IterationTimes::totalSeconds).toArray()),
                        times.stream().mapToDouble(IterationTimes::meanResponseLength).average().orElse(0),
                        stateBytes, rssBefore < 0 || peak < 0 ? -1 : peak - rssBefore);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (temp != null) {
                FileTrees.deleteQuietly(temp);
            }
        }
    }

    private static List<IterationTimes> time(OnlineAlgorithm algorithm, List<int[]> prompts, int steps) {
        List<IterationTimes> out = new ArrayList<>();
        for (int step = -1; step < steps; step++) {
            IterationTimes t = OnlineTrainingLoop.timeIteration(algorithm, prompts, step + 1);
            if (step >= 0) {
                out.add(t);
            }
        }
        return out;
    }

    private static PpoConfig ppoConfig(TrainingBenchmark.Settings settings, Path out) {
        JsonObject options = common(settings);
        options.addProperty("num_ppo_epochs", settings.ppoEpochs());
        options.addProperty("response_length", settings.seqLen() / 2);
        return PpoConfig.fromJson(options, PpoConfig.defaults(out));
    }

    private static JsonObject groupOptions(TrainingBenchmark.Settings settings, int generations) {
        JsonObject options = common(settings);
        options.addProperty("num_generations", generations);
        options.addProperty("num_iterations", settings.ppoEpochs());
        options.addProperty("max_completion_length", settings.seqLen() / 2);
        options.addProperty("max_length", settings.seqLen() + 1);
        return options;
    }

    /** What every method's run shares: batch, prompt length, no guard rails, no files. */
    private static JsonObject common(TrainingBenchmark.Settings settings) {
        JsonObject options = new JsonObject();
        options.addProperty("per_device_train_batch_size", settings.batch());
        options.addProperty("max_prompt_length", settings.seqLen() / 2);
        options.addProperty("kl_limit", 0);
        options.addProperty("ratio_limit", 0);
        options.addProperty("learning_rate", 1e-6);
        options.addProperty("save_steps", 0);
        options.addProperty("eval_steps", 0);
        return options;
    }

    /** Random prompts of {@code seqLen / 2} tokens. */
    private static List<int[]> prompts(TrainingBenchmark.Source source, TrainingBenchmark.Settings settings, int n) {
        Random random = new Random(2);
        List<int[]> prompts = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            int[] p = new int[settings.seqLen() / 2];
            for (int i = 0; i < p.length; i++) {
                p[i] = 3 + random.nextInt(source.config().vocabSize() - 3);
            }
            prompts.add(p);
        }
        return prompts;
    }

    /** Resets the peak resident memory to the current (Linux 4.0+) and returns the current, or -1. */
    private static long resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5", StandardCharsets.US_ASCII);
            return statusBytes("VmRSS:");
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** @return the peak resident memory since the last reset, or -1 */
    private static long peakRss() {
        try {
            return statusBytes("VmHWM:");
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static long statusBytes(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
            if (line.startsWith(field)) {
                String[] parts = line.substring(field.length()).trim().split("\\s+");
                if (!parts[1].toLowerCase(Locale.ROOT).equals("kb")) {
                    return -1;
                }
                return Long.parseLong(parts[0]) * 1024;
            }
        }
        return -1;
    }
}
