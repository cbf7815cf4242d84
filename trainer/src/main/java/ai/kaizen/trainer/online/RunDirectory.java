package ai.kaizen.trainer.online;

import ai.kaizen.model.files.FileTrees;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.lora.Lora;
import ai.kaizen.trainer.optim.AdamW;
import ai.kaizen.trainer.training.Checkpoints;
import ai.kaizen.trainer.training.MetricsLog;
import ai.kaizen.trainer.training.ModelOutput;
import ai.kaizen.trainer.training.WeightRestore;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of an online run, in its output directory:
 *
 * <pre>
 * metrics.jsonl           one line per iteration (TRL names) and per evaluation (eval/...)
 * CONFIG                  the configuration (TRL names): ppo_config.json, rloo_config.json, grpo_config.json
 * eval_baseline.json      the starting policy's evaluation scores (see {@link EvalBaseline})
 * eval_report.json        stop reason, evaluations, the step the output holds
 * checkpoint-STEP/        policy (config.json + model.safetensors, or PEFT adapter files), optimizer.safetensors,
 *                         trainer_state.json ({@link RunState}), and the method's own parts (PPO: value/)
 * best/                   the policy weights of the best evaluation so far
 * config.json, model.safetensors, tokenizer files ...   the output policy (with LoRA: adapters, merged/)
 * </pre>
 */
public final class RunDirectory {

    private static final Logger LOG = LoggerFactory.getLogger(RunDirectory.class);

    /** The evaluation report. */
    public static final String REPORT_FILE = "eval_report.json";

    /** Optimizer state inside a checkpoint. */
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";

    /** Best policy weights inside the output directory. */
    public static final String BEST_DIR = "best";

    /** What a method keeps in a checkpoint besides the policy, the optimizer and the state (PPO: its critic). */
    public interface CheckpointPart {
        /** Nothing more. */
        CheckpointPart NONE = new CheckpointPart() {
            @Override
            public void save(Path checkpoint) {}

            @Override
            public void restore(Path checkpoint) {}
        };

        /** @param checkpoint the checkpoint directory being written */
        void save(Path checkpoint);

        /** @param checkpoint the checkpoint directory being resumed from */
        void restore(Path checkpoint);
    }

    private final Path dir;
    private final LanguageModel policy;
    private final Lora lora;
    private final AdamW optimizer;
    private final int saveTotalLimit;
    private final CheckpointPart part;

    /**
     * @param dir the output directory
     * @param policy the policy being trained
     * @param lora its adapters, or null for full fine-tuning
     * @param optimizer the optimizer (its moments go into checkpoints)
     * @param saveTotalLimit checkpoints kept (0: all)
     * @param part the method's own checkpoint files
     */
    public RunDirectory(Path dir, LanguageModel policy, Lora lora, AdamW optimizer, int saveTotalLimit,
            CheckpointPart part) {
        this.dir = dir;
        this.policy = policy;
        this.lora = lora;
        this.optimizer = optimizer;
        this.saveTotalLimit = saveTotalLimit;
        this.part = part;
    }

    /** @return the output directory */
    public Path path() {
        return dir;
    }

    /**
     * @param fileName the configuration's file name
     * @param config the configuration under TRL's names
     */
    public void writeConfig(String fileName, JsonObject config) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Json.write(dir.resolve(fileName), config);
    }

    /** @return the newest checkpoint, if any */
    public Optional<Path> latestCheckpoint() {
        return Checkpoints.latest(dir);
    }

    /**
     * Deletes what an earlier run left: a fresh run starts a fresh directory, or its checkpoints, best
     * weights and starting answers would be taken for this run's by the guard rails and the output.
     */
    public void clearEarlierRun() {
        for (Path stale : Checkpoints.list(dir)) {
            LOG.warn("Deleting {} of an earlier run (not resuming)", stale);
            FileTrees.delete(stale);
        }
        FileTrees.delete(dir.resolve(BEST_DIR));
        FileTrees.delete(dir.resolve(EvalBaseline.FILE));
    }

    /**
     * @param state the run's state
     * @return the checkpoint directory written
     */
    public Path saveCheckpoint(RunState state) {
        return Checkpoints.write(dir, state.globalStep(), checkpoint -> {
            savePolicy(checkpoint);
            part.save(checkpoint);
            optimizer.save(checkpoint.resolve(OPTIMIZER_FILE));
            state.write(checkpoint);
        }, saveTotalLimit);
    }

    /**
     * Puts the policy, the method's parts and the optimizer back as a checkpoint holds them.
     *
     * @param checkpoint the checkpoint directory
     * @param method the resuming trainer's name
     * @param seed the resuming run's seed
     * @return the checkpoint's state
     */
    public RunState restore(Path checkpoint, String method, long seed) {
        RunState state = RunState.read(checkpoint);
        if (!state.method().equals(method)) {
            throw new IllegalStateException("Checkpoint " + checkpoint + " was written by " + state.method()
                    + ", not " + method + ": use another output_dir, or do not resume");
        }
        if (state.seed() != seed) {
            throw new IllegalStateException("Checkpoint " + checkpoint + " was written with seed " + state.seed()
                    + ", the configuration says " + seed);
        }
        restorePolicy(checkpoint);
        part.restore(checkpoint);
        optimizer.load(checkpoint.resolve(OPTIMIZER_FILE));
        return state;
    }

    /**
     * Puts back the policy of the newest checkpoint at or before a step (a guard rail tripped).
     *
     * @param atMost the newest step that is still good
     * @return the step restored
     */
    public long restoreLastGood(long atMost) {
        List<Path> all = Checkpoints.list(dir);
        for (int i = all.size() - 1; i >= 0; i--) {
            RunState s = RunState.read(all.get(i));
            if (s.globalStep() <= atMost) {
                LOG.warn("Restoring the policy of {}", all.get(i));
                restorePolicy(all.get(i));
                return s.globalStep();
            }
        }
        throw new IllegalStateException("No checkpoint at or before step " + atMost + " in " + dir
                + " to fall back to");
    }

    /** Writes the policy weights of a new best evaluation to {@code best/}, atomically. */
    public void saveBest() {
        Path target = dir.resolve(BEST_DIR);
        Path temp = dir.resolve(".tmp-" + BEST_DIR);
        try {
            FileTrees.delete(temp);
            savePolicy(temp);
            FileTrees.delete(target);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** Puts back the policy weights of the best evaluation. */
    public void restoreBest() {
        restorePolicy(dir.resolve(BEST_DIR));
    }

    /**
     * Saves the output policy into the directory itself.
     *
     * @param mergeLora with LoRA, also write the merged model under {@code merged/}
     */
    public void saveOutput(boolean mergeLora) {
        ModelOutput.save(policy, lora, lora != null && mergeLora, dir);
    }

    /**
     * Writes {@value #REPORT_FILE}: why the run stopped, which step the output holds, and every evaluation
     * of the run (also those an earlier process of a resumed run made: metrics.jsonl keeps them).
     *
     * @param stopReason why the run ended
     * @param state the final state
     * @param outputStep the iteration whose weights the output holds
     * @param metricForBestModel the metric the best evaluation maximised
     * @param baseline the starting policy's evaluation, or null
     */
    public void writeReport(String stopReason, RunState state, long outputStep, String metricForBestModel,
            EvalBaseline baseline) {
        JsonObject report = new JsonObject();
        report.addProperty("stop_reason", stopReason);
        report.addProperty("global_step", state.globalStep());
        report.addProperty("output_step", outputStep);
        report.addProperty("best_step", state.bestStep());
        report.addProperty("metric_for_best_model", metricForBestModel);
        if (state.hasBest()) {
            report.addProperty("best_metric", state.bestScore());
        }
        if (baseline != null) {
            report.addProperty("baseline_eval_scores", baseline.meanScore());
        }
        report.addProperty("kl_coef", state.klCoef());
        JsonArray array = new JsonArray();
        try {
            for (String line : Files.readAllLines(dir.resolve(MetricsLog.FILE))) {
                if (!line.isBlank()) {
                    JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                    if (o.has("eval/scores")) {
                        array.add(o);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        report.add("evaluations", array);
        Json.write(dir.resolve(REPORT_FILE), report);
    }

    /** The trainable policy weights in their public layout: the whole model (HF) or the adapters (PEFT). */
    private void savePolicy(Path target) {
        ModelOutput.saveTrainable(policy, lora, target);
    }

    private void restorePolicy(Path source) {
        WeightRestore.trainable(policy.network(), lora, source);
    }

}
