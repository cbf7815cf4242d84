package ai.kaizen.trainer.online;

import ai.kaizen.model.llama.TorchThreads;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.model.training.Autograd;
import ai.kaizen.trainer.training.MetricsLog;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run every online trainer shares, around its {@link OnlineAlgorithm}: resume from the newest
 * checkpoint or start a fresh directory (the starting policy's evaluation first, then checkpoint 0, so
 * the guard rails always have a checkpoint to fall back to); iterations over shuffled prompts; the guard
 * rails; a metrics line per {@code logging_steps}; evaluation every {@code eval_steps} keeping the best;
 * checkpoints every {@code save_steps}; and at the end the output: the best evaluation's weights unless a
 * guard rail fell back to before them.
 */
public final class OnlineTrainingLoop {

    private static final Logger LOG = LoggerFactory.getLogger(OnlineTrainingLoop.class);

    /**
     * The loop's options.
     *
     * @param method the trainer's name ({@code ppo}, {@code rloo}, {@code grpo}), recorded in checkpoints
     * @param configFile the configuration's file name in the output directory
     * @param config the configuration under TRL's names
     * @param seed the run's seed
     * @param initialKlCoef the KL coefficient of a fresh run
     * @param promptsPerStep distinct prompts per iteration
     * @param totalSteps iterations of the run, given the number of training prompts
     * @param maxLength most tokens of prompt and response (0: only the context limits them)
     * @param loggingSteps a metrics line every this many iterations
     * @param evalSteps evaluate every this many iterations (0: only at the end)
     * @param saveSteps a checkpoint every this many iterations (0: never)
     * @param resume continue from the newest checkpoint
     * @param mergeLora with LoRA, also save the merged model
     * @param evaluation how evaluations run and choose the best
     */
    public record Settings(String method, String configFile, JsonObject config, long seed, double initialKlCoef,
            int promptsPerStep, IntToLongFunction totalSteps, int maxLength, int loggingSteps, int evalSteps,
            int saveSteps, boolean resume, boolean mergeLora, TrainingEvaluation.Settings evaluation) {}

    private final Settings settings;
    private final OnlineAlgorithm algorithm;
    private final RolloutSampler sampler;
    private final RunDirectory files;
    private final EvaluationJudge judge;

    /**
     * @param settings the loop's options
     * @param algorithm the method
     * @param sampler its rollouts (also answers the evaluation prompts)
     * @param files the output directory
     * @param judge judges the evaluation answers besides the reward (see {@link EvaluationJudge}), or null
     */
    public OnlineTrainingLoop(Settings settings, OnlineAlgorithm algorithm, RolloutSampler sampler,
            RunDirectory files, EvaluationJudge judge) {
        this.settings = settings;
        this.algorithm = algorithm;
        this.sampler = sampler;
        this.files = files;
        this.judge = judge;
    }

    /**
     * Trains, then saves the output directory. With {@code resume} and a checkpoint in the output
     * directory, continues from the newest one.
     *
     * @param trainPrompts prompts to sample training responses for
     * @param evalPrompts held-out prompts (may be empty: no evaluation, the last weights are the output)
     * @param listener progress callbacks ({@code onLog}, {@code onCheckpoint}, {@code shouldStop})
     * @return what happened
     */
    public RunResult train(List<List<ChatMessage>> trainPrompts, List<List<ChatMessage>> evalPrompts,
            TrainingListener listener) {
        Autograd.offOutsideCollectors();
        List<int[]> train = sampler.tokenize(trainPrompts, settings.maxLength());
        List<int[]> eval = sampler.tokenize(evalPrompts, settings.maxLength());
        if (train.isEmpty()) {
            throw new IllegalArgumentException("no training prompts");
        }
        long totalSteps = settings.totalSteps().applyAsLong(train.size());
        TrainingEvaluation evaluation = new TrainingEvaluation(sampler, evalPrompts, eval, settings.evaluation(),
                files, judge);
        RunState state = RunState.start(settings.method(), settings.seed(), settings.initialKlCoef());
        Path resumedFrom = null;
        Optional<Path> checkpoint = settings.resume() ? files.latestCheckpoint() : Optional.empty();
        if (checkpoint.isPresent()) {
            resumedFrom = checkpoint.get();
            state = files.restore(resumedFrom, settings.method(), settings.seed());
            LOG.info("Resuming from {} (step {})", resumedFrom, state.globalStep());
        }
        algorithm.resumeKlCoef(state.klCoef());
        files.writeConfig(settings.configFile(), settings.config());
        if (resumedFrom == null) {
            files.clearEarlierRun();
            evaluation.recordBaseline();
            files.saveCheckpoint(state);
        }
        evaluation.loadBaseline();
        int threads = TorchThreads.get();
        String stopReason = "completed";
        double firstScore = Double.NaN;
        double lastScore = Double.NaN;
        double lastKl = Double.NaN;
        long restoredStep = -1;
        try (MetricsLog metrics = MetricsLog.open(files.path(), resumedFrom == null ? -1 : state.globalStep())) {
            PromptCursor cursor = new PromptCursor(train.size(), settings.seed(), state.epoch(),
                    state.promptInEpoch());
            boolean evaluatedLast = false;
            while (state.globalStep() < totalSteps) {
                long step = state.globalStep();
                List<int[]> prompts = new ArrayList<>();
                for (int i = 0; i < settings.promptsPerStep(); i++) {
                    prompts.add(train.get(cursor.next()));
                }
                Iteration it = algorithm.iterate(prompts, step);
                RolloutStats rollout = new RolloutStats(it.responses());
                if (!Double.isFinite(firstScore)) {
                    firstScore = rollout.meanScore();
                }
                lastScore = rollout.meanScore();
                lastKl = rollout.meanKl();
                if (it.trip() != null) {
                    stopReason = it.trip().reason();
                    restoredStep = files.restoreLastGood(it.trip().lastGoodStep());
                    break;
                }
                state = state.next(cursor, rollout.size(), algorithm.klCoef());
                long s = state.globalStep();
                if (s % settings.loggingSteps() == 0 || s == totalSteps) {
                    Map<String, Number> line = new LinkedHashMap<>(it.metrics());
                    line.put("time/generation", it.generationSeconds());
                    line.put("time/scoring", it.scoringSeconds());
                    line.put("time/update", it.updateSeconds());
                    line.put("episode", state.episodes());
                    line.put("epoch", cursor.progress());
                    line.put("step", s);
                    log(metrics, listener, line);
                }
                evaluatedLast = false;
                if (evaluation.enabled() && settings.evalSteps() > 0 && s % settings.evalSteps() == 0) {
                    state = evaluation.evaluate(state, algorithm.klCoef(), l -> log(metrics, listener, l), true);
                    evaluatedLast = true;
                }
                if (settings.saveSteps() > 0 && s % settings.saveSteps() == 0) {
                    listener.onCheckpoint(files.saveCheckpoint(state));
                }
                if (listener.shouldStop()) {
                    stopReason = "stopped";
                    break;
                }
            }
            if (evaluation.enabled() && !evaluatedLast && restoredStep < 0) {
                // a run stopped early may not move best/: its resumed continuation would not know
                state = evaluation.evaluate(state, algorithm.klCoef(), l -> log(metrics, listener, l),
                        stopReason.equals("completed"));
            }
        } finally {
            TorchThreads.set(threads);
        }
        long outputStep = restoredStep >= 0 ? restoredStep : state.globalStep();
        // the best evaluation becomes the output, unless a guard rail fell back to before it
        if (state.hasBest() && state.bestStep() != outputStep && state.bestStep() <= outputStep) {
            LOG.info("Output: the best evaluation's weights (step {}, score {})", state.bestStep(), state.bestScore());
            files.restoreBest();
            outputStep = state.bestStep();
        }
        if (!stopReason.equals("completed") && !stopReason.equals("stopped")) {
            LOG.warn("{} stopped by a guard rail: {}; the output holds step {}", settings.method(), stopReason,
                    outputStep);
        }
        files.saveOutput(settings.mergeLora());
        files.writeReport(stopReason, state, outputStep, settings.evaluation().metricForBestModel(),
                evaluation.baseline());
        return new RunResult(state.globalStep(), totalSteps, stopReason, outputStep, state.bestStep(),
                state.bestScore(), firstScore, lastScore, lastKl, resumedFrom, files.path());
    }

    /**
     * Runs one iteration outside any run (no checkpoint, no metrics file): what {@code kaizen bench train}
     * times. The weights change as in training.
     *
     * @param algorithm the method
     * @param prompts the iteration's prompts
     * @param step the iteration number (seeds the sampling)
     * @return the time split
     */
    public static IterationTimes timeIteration(OnlineAlgorithm algorithm, List<int[]> prompts, long step) {
        int threads = TorchThreads.get();
        try {
            return algorithm.iterate(prompts, step).times();
        } finally {
            TorchThreads.set(threads);
        }
    }

    private static void log(MetricsLog metrics, TrainingListener listener, Map<String, Number> line) {
        metrics.append(line);
        LOG.info("{}", line);
        listener.onLog(Collections.unmodifiableMap(line));
    }
}
