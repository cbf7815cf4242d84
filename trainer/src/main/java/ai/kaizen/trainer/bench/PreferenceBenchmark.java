package ai.kaizen.trainer.bench;

import ai.kaizen.model.files.FileTrees;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.config.GenerationConfig;
import ai.kaizen.model.tokenizer.Tokenizer;
import ai.kaizen.trainer.dpo.DpoConfig;
import ai.kaizen.trainer.dpo.DpoTrainer;
import ai.kaizen.trainer.kto.KtoConfig;
import ai.kaizen.trainer.kto.KtoTrainer;
import ai.kaizen.trainer.kto.TokenizedCompletion;
import ai.kaizen.trainer.pairwise.PairwiseTrainingLoop;
import ai.kaizen.trainer.pairwise.PreferenceTrainingLoop;
import ai.kaizen.trainer.pairwise.TokenizedPair;
import ai.kaizen.trainer.training.TokenizedExample;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Times DPO and KTO updates on the same shape, through the trainers' own loop: {@code batch} examples per step,
 * each a prompt of {@code seqLen / 2} random tokens and an answer of {@code seqLen / 2}. A DPO step scores two
 * answers per pair (forward and backward over {@code 2 x batch} sequences, its reference precomputed); a KTO step
 * one answer per example (forward and backward over {@code batch} sequences) plus the batch's mismatched pairs
 * without gradients, for the KL reference point. Each trainer runs {@code steps + 1} full fine-tuning updates
 * (logged one by one; the first dropped as warm-up) and reports the median step. The trainers' loop sets PyTorch to
 * every core, whatever {@code --threads} says.
 */
public final class PreferenceBenchmark {

    private PreferenceBenchmark() {}

    /**
     * Medians over the timed steps.
     *
     * @param dpoStepSeconds one DPO update of {@code batch} pairs
     * @param ktoStepSeconds one KTO update of {@code batch} answers (NaN for a batch of one)
     * @param batch examples per step
     */
    public record Result(double dpoStepSeconds, double ktoStepSeconds, int batch) {

        /** @param o the benchmark's JSON line, to which the figures are added (KTO's with a batch of two or more) */
        public void addTo(JsonObject o) {
            o.addProperty("dpo_step_s", round(dpoStepSeconds));
            o.addProperty("dpo_pairs_per_s", round(batch / dpoStepSeconds));
            if (!Double.isNaN(ktoStepSeconds)) {
                o.addProperty("kto_step_s", round(ktoStepSeconds));
                o.addProperty("kto_samples_per_s", round(batch / ktoStepSeconds));
            }
        }

        private static double round(double v) {
            return Math.round(v * 1000) / 1000.0;
        }
    }

    /**
     * @param source the model
     * @param settings batch, sequence length and repetitions
     * @return the medians
     */
    public static Result run(TrainingBenchmark.Source source, TrainingBenchmark.Settings settings) {
        Path temp = null;
        try {
            temp = Files.createTempDirectory("kaizen-bench-preference");
            Path tokenizerDir = source.directory() != null ? source.directory()
                    : TrainingBenchmark.wordLevelTokenizer(temp, source.config().vocabSize());
            Random random = new Random(3);
            List<TokenizedExample> answers = new ArrayList<>();
            for (int i = 0; i < 2 * settings.batch(); i++) {
                answers.add(sequence(random, settings.seqLen(), source.config().vocabSize()));
            }
            List<TokenizedPair> pairs = new ArrayList<>();
            List<TokenizedCompletion> completions = new ArrayList<>();
            for (int i = 0; i < settings.batch(); i++) {
                pairs.add(new TokenizedPair(answers.get(2 * i), answers.get(2 * i + 1), 0));
                completions.add(TokenizedCompletion.of(answers.get(i), i % 2 == 0));
            }
            Path dir = temp;
            double dpo = medianStep(source, tokenizerDir, "train_pairs_per_second", settings,
                    (model, listener) -> dpo(model, listener, pairs, settings, dir.resolve("dpo")));
            // KTO estimates its KL reference point from mismatched pairs within a batch: one example has none
            double kto = settings.batch() < 2 ? Double.NaN
                    : medianStep(source, tokenizerDir, "train_samples_per_second", settings,
                            (model, listener) -> kto(model, listener, completions, settings, dir.resolve("kto")));
            return new Result(dpo, kto, settings.batch());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (temp != null) {
                FileTrees.deleteQuietly(temp);
            }
        }
    }

    /** Runs one trainer on a fresh copy of the model; the median of its steps' times, from the logged throughput. */
    private static double medianStep(TrainingBenchmark.Source source, Path tokenizerDir, String throughput,
            TrainingBenchmark.Settings settings, Training training) {
        List<Double> seconds = new ArrayList<>();
        try (LanguageModel model = LanguageModel.of(tokenizerDir, source.network().get(), Tokenizer.load(tokenizerDir),
                GenerationConfig.load(tokenizerDir, source.config()))) {
            training.run(model, new TrainingListener() {
                @Override
                public void onLog(Map<String, Number> metrics) {
                    Number perSecond = metrics.get(throughput);
                    if (perSecond != null && metrics.get("step").longValue() > 1) { // step 1 warms up
                        seconds.add(settings.batch() / perSecond.doubleValue());
                    }
                }
            });
        }
        double[] sorted = seconds.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static void dpo(LanguageModel model, TrainingListener listener, List<TokenizedPair> pairs,
            TrainingBenchmark.Settings settings, Path out) {
        DpoConfig config = DpoConfig.fromJson(options(settings), DpoConfig.defaults(out));
        try (DpoTrainer trainer = new DpoTrainer(config, model)) {
            new PairwiseTrainingLoop(config.args(), trainer, DpoTrainer.CONFIG_FILE, config.toJson())
                    .run(pairs, List.of(), listener);
        }
    }

    private static void kto(LanguageModel model, TrainingListener listener, List<TokenizedCompletion> completions,
            TrainingBenchmark.Settings settings, Path out) {
        KtoConfig config = KtoConfig.fromJson(options(settings), KtoConfig.defaults(out));
        try (KtoTrainer trainer = new KtoTrainer(config, model)) {
            new PreferenceTrainingLoop<>(config.args(), trainer, KtoTrainer.CONFIG_FILE, config.toJson())
                    .run(completions, List.of(), listener);
        }
    }

    /** One trainer's run on a model. */
    private interface Training {
        void run(LanguageModel model, TrainingListener listener);
    }

    /** Full fine-tuning, every step logged, nothing saved or evaluated, nothing cut. */
    private static JsonObject options(TrainingBenchmark.Settings settings) {
        JsonObject o = new JsonObject();
        o.addProperty("max_steps", settings.steps() + 1);
        o.addProperty("per_device_train_batch_size", settings.batch());
        o.addProperty("per_device_eval_batch_size", settings.batch());
        o.addProperty("max_length", settings.seqLen());
        o.addProperty("max_prompt_length", settings.seqLen());
        o.addProperty("learning_rate", 1e-6);
        o.addProperty("warmup_steps", 0);
        o.addProperty("logging_steps", 1);
        o.addProperty("save_steps", 0);
        o.addProperty("eval_steps", 0);
        return o;
    }

    /** A prompt of {@code length / 2} random tokens, then an answer of the rest (marked). */
    private static TokenizedExample sequence(Random random, int length, int vocabSize) {
        int[] ids = new int[length];
        boolean[] answer = new boolean[length];
        for (int i = 0; i < length; i++) {
            ids[i] = 3 + random.nextInt(vocabSize - 3);
        }
        Arrays.fill(answer, length / 2, length, true);
        return new TokenizedExample(ids, answer);
    }
}
