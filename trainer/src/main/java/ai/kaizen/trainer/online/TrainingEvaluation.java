package ai.kaizen.trainer.online;

import ai.kaizen.model.generation.GenerationResult;
import ai.kaizen.model.tokenizer.ChatMessage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Evaluation during an online run, and the choice of the best checkpoint: the policy answers the held-out
 * prompts (greedily by default: a sampled evaluation's noise can pick a checkpoint by luck), the reward
 * scores the answers, and the evaluation whose {@code metric_for_best_model} is highest while its KL stays
 * within {@code kl_limit} has its weights kept in {@code best/}. The win rate compares, prompt by prompt,
 * with the starting policy's answers ({@link EvalBaseline}), scored once before the first update. A run given an
 * {@link EvaluationJudge} also logs that judge's mean score, which can choose the checkpoint instead.
 */
public final class TrainingEvaluation {

    /** Best checkpoint by the mean evaluation reward. */
    public static final String METRIC_SCORES = "eval/scores";

    /** Best checkpoint by the win rate over the starting policy's answers, as judged by the reward. */
    public static final String METRIC_WIN_RATE = "eval/win_rate";

    /** Best checkpoint by the mean score of an {@link EvaluationJudge} the run does not optimise. */
    public static final String METRIC_JUDGE = "eval/judge_score";

    /**
     * @param greedy whether answers are greedy (else sampled at the rollout temperature with a fixed seed)
     * @param metricForBestModel {@link #METRIC_SCORES}, {@link #METRIC_WIN_RATE} or {@link #METRIC_JUDGE}
     * @param klLimit an evaluation above this mean KL per answer (k3) never becomes the best (0: no limit)
     * @param seed the run's seed (a sampled evaluation's seed derives from it)
     * @param batchSize prompts per generation batch
     */
    public record Settings(boolean greedy, String metricForBestModel, double klLimit, long seed, int batchSize) {

        /** Validates. */
        public Settings {
            checkMetric(metricForBestModel);
            if (batchSize < 1) {
                throw new IllegalArgumentException("per_device_eval_batch_size must be positive");
            }
        }
    }

    /**
     * @param metric a {@code metric_for_best_model}
     * @throws IllegalArgumentException when it is none of the metrics an evaluation reports
     */
    public static void checkMetric(String metric) {
        if (!METRIC_SCORES.equals(metric) && !METRIC_WIN_RATE.equals(metric) && !METRIC_JUDGE.equals(metric)) {
            throw new IllegalArgumentException("metric_for_best_model must be " + METRIC_SCORES + ", "
                    + METRIC_WIN_RATE + " or " + METRIC_JUDGE);
        }
    }

    private final RolloutSampler sampler;
    private final List<List<ChatMessage>> messages;
    private final List<int[]> prompts;
    private final Settings settings;
    private final RunDirectory files;
    private final EvaluationJudge judge;
    private EvalBaseline baseline;

    /**
     * @param sampler answers and scores
     * @param messages the held-out prompts (may be empty: no evaluation)
     * @param prompts their token ids, in the same order
     * @param settings how to evaluate
     * @param files where the baseline and the best weights go
     * @param judge a judge the run does not optimise, or null
     * @throws IllegalArgumentException when {@code metric_for_best_model} is {@link #METRIC_JUDGE} without a judge
     */
    public TrainingEvaluation(RolloutSampler sampler, List<List<ChatMessage>> messages, List<int[]> prompts,
            Settings settings, RunDirectory files, EvaluationJudge judge) {
        if (messages.size() != prompts.size()) {
            throw new IllegalArgumentException(messages.size() + " prompts but " + prompts.size() + " tokenized");
        }
        if (METRIC_JUDGE.equals(settings.metricForBestModel()) && judge == null && !prompts.isEmpty()) {
            throw new IllegalArgumentException("metric_for_best_model " + METRIC_JUDGE + " needs a judge of the "
                    + "evaluation answers, and this run has none");
        }
        this.sampler = sampler;
        this.messages = messages;
        this.prompts = prompts;
        this.settings = settings;
        this.files = files;
        this.judge = judge;
    }

    /** @return whether there are held-out prompts */
    public boolean enabled() {
        return !prompts.isEmpty();
    }

    /** @return the starting policy's evaluation, or null (no prompts, or not loaded yet) */
    public EvalBaseline baseline() {
        return baseline;
    }

    /**
     * Scores the starting policy's answers, which every later win rate is judged against. A fresh run calls
     * it before its first checkpoint, so a run that can resume always has it.
     */
    public void recordBaseline() {
        if (enabled()) {
            new EvalBaseline(scored(answer()).scores()).write(files.path());
        }
    }

    /** Reads the baseline the run recorded (a resumed run reuses the first process's). */
    public void loadBaseline() {
        baseline = enabled() ? EvalBaseline.read(files.path()).orElse(null) : null;
        if (enabled() && baseline == null && settings.metricForBestModel().equals(METRIC_WIN_RATE)) {
            throw new IllegalStateException("Cannot resume with metric_for_best_model " + METRIC_WIN_RATE + ": "
                    + files.path().resolve(EvalBaseline.FILE) + " (the starting policy's evaluation) is missing");
        }
    }

    /**
     * Evaluates, logs the {@code eval/...} line, and keeps the weights if they are the best so far.
     *
     * @param state the run's state
     * @param klCoef the KL coefficient now (for {@code eval/rlhf_reward})
     * @param log appends a metrics line
     * @param mayUpdateBest false for a run that stopped early: its resumed continuation would not know
     * @return the state, with the new best when there is one
     */
    public RunState evaluate(RunState state, double klCoef, Consumer<Map<String, Number>> log,
            boolean mayUpdateBest) {
        long started = System.nanoTime();
        List<GenerationResult> generated = answer();
        RolloutStats answers = scored(generated);
        double judgeScore = judge == null ? Double.NaN : judged(generated);
        double winRate = baseline == null ? Double.NaN : baseline.winRate(answers.scores());
        Map<String, Number> line = new LinkedHashMap<>();
        line.put("eval/scores", answers.meanScore());
        if (baseline != null) {
            line.put("eval/win_rate", winRate);
        }
        if (judge != null) {
            line.put(METRIC_JUDGE, judgeScore);
        }
        line.put("eval/raw_scores", answers.meanRawScore());
        line.put("eval/kl", answers.meanKl());
        line.put("eval/kl_k3", answers.meanKlNonNegative());
        line.put("eval/rlhf_reward", answers.meanScore() - klCoef * answers.meanKl());
        line.put("eval/response_length", answers.meanLength());
        line.put("eval/num_eos_tokens", answers.eosCount());
        line.put("eval_runtime", (System.nanoTime() - started) / 1e9);
        line.put("step", state.globalStep());
        log.accept(line);
        boolean withinLimit = settings.klLimit() == 0 || answers.meanKlNonNegative() <= settings.klLimit();
        double metric = switch (settings.metricForBestModel()) {
            case METRIC_WIN_RATE -> winRate;
            case METRIC_JUDGE -> judgeScore;
            default -> answers.meanScore();
        };
        if (mayUpdateBest && withinLimit && (!state.hasBest() || metric > state.bestScore())) {
            files.saveBest();
            return state.withBest(metric);
        }
        return state;
    }

    private List<GenerationResult> answer() {
        return sampler.generate(prompts, seed(), settings.greedy(), settings.batchSize());
    }

    private RolloutStats scored(List<GenerationResult> generated) {
        return new RolloutStats(sampler.score(generated, settings.batchSize()));
    }

    /** The judge's mean over the answers it can judge (NaN when it can judge none). */
    private double judged(List<GenerationResult> generated) {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < generated.size(); i++) {
            double score = judge.score(messages.get(i), generated.get(i).text());
            if (!Double.isNaN(score)) {
                sum += score;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    private long seed() {
        return settings.seed() * 1_000_003L - 7_919L * 1_000_000L;
    }
}
