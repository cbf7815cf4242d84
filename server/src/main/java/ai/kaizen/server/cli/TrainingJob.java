package ai.kaizen.server.cli;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.trainer.dataset.DatasetFormatException;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.dataset.Split;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.pairwise.PreferenceSplits;
import com.google.gson.JsonObject;
import io.vertx.core.json.Json;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The options and files of a training command ({@code train sft}, {@code train rm},
 * {@code train dpo}): a JSON config with TRL's names plus {@code model_name_or_path} and
 * {@code dataset_dir}, each overridable by a flag. A picocli mixin.
 */
final class TrainingJob {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "JSON options (TRL names).")
    Path config;

    @Option(names = "--model", paramLabel = "DIR", description = "Starting model (overrides model_name_or_path).")
    Path model;

    @Option(names = "--data", paramLabel = "DIR", description = "Dataset directory (overrides dataset_dir).")
    Path data;

    @Option(names = "--output", paramLabel = "DIR", description = "Output directory (overrides output_dir).")
    Path output;

    @Option(names = "--resume", description = "Continue from the newest checkpoint in the output directory.")
    boolean resume;

    @picocli.CommandLine.Mixin
    DeviceOption device;

    /**
     * The checked locations of a run.
     *
     * @param options the trainer's own options (TRL names, output_dir and resume included)
     * @param model the starting model directory
     * @param dataset the dataset directory (with train.jsonl)
     * @param outputDir the output directory
     */
    record Files(JsonObject options, Path model, Path dataset, Path outputDir) {}

    /**
     * The inputs of a preference run.
     *
     * @param options the trainer's own options
     * @param model the starting model directory
     * @param train training pairs
     * @param eval evaluation pairs (may be empty)
     * @param outputDir the output directory
     */
    record Inputs(JsonObject options, Path model, List<PreferenceExample> train, List<PreferenceExample> eval,
            Path outputDir) {}

    /** @return the run's files, or a usage error naming what is missing */
    Files files() {
        device.apply(spec.commandLine());
        JsonObject options = config == null ? new JsonObject() : TrainingCli.readJson(spec.commandLine(), config);
        Path fileModel = TrainingCli.pathOption(options, "model_name_or_path");
        Path fileData = TrainingCli.pathOption(options, "dataset_dir");
        Path base = model != null ? model : fileModel;
        Path dataset = data != null ? data : fileData;
        if (output != null) {
            options.addProperty("output_dir", output.toString());
        }
        if (resume) {
            options.addProperty("resume", true);
        }
        if (base == null || !LanguageModel.isModelDirectory(base)) {
            throw new ParameterException(spec.commandLine(), "give a base model directory (--model or "
                    + "model_name_or_path)" + (base == null ? "" : "; " + base + " has no config.json nor adapter_config.json"));
        }
        if (dataset == null || !java.nio.file.Files.isRegularFile(dataset.resolve("train.jsonl"))) {
            throw new ParameterException(spec.commandLine(), "give a dataset directory with train.jsonl (--data "
                    + "or dataset_dir)");
        }
        if (!options.has("output_dir")) {
            throw new ParameterException(spec.commandLine(), "give an output directory (--output or output_dir)");
        }
        return new Files(options, base, dataset, Path.of(options.get("output_dir").getAsString()));
    }

    /** @return the files and the preference pairs, or a usage error naming what is missing or malformed */
    Inputs preferenceInputs() {
        device.apply(spec.commandLine());
        Files files = files();
        return new Inputs(files.options(), files.model(), read(files.dataset(), Split.TRAIN),
                read(files.dataset(), Split.EVAL), files.outputDir());
    }

    private List<PreferenceExample> read(Path dataset, Split split) {
        try {
            return PreferenceSplits.read(dataset, split);
        } catch (DatasetFormatException e) {
            throw new ParameterException(spec.commandLine(), dataset.resolve(split.label() + ".jsonl") + ", "
                    + e.getMessage());
        }
    }

    /** A bad option value as a usage error naming the config file. */
    ParameterException badOption(RuntimeException e) {
        return new ParameterException(spec.commandLine(), "bad option" + (config == null ? "" : " in " + config)
                + ": " + e.getMessage());
    }

    /** Prints the run's one-line JSON summary on stdout. */
    void printSummary(PairwiseResult result) {
        printSummary(result, "pairs");
    }

    /**
     * Prints the run's one-line JSON summary on stdout.
     *
     * @param unit what the run's examples are, for {@code UNIT_per_second}: {@code pairs}, KTO's {@code samples}
     */
    void printSummary(PairwiseResult result, String unit) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("steps", result.globalStep());
        result.trainMetrics().forEach((k, v) -> summary.put("train_" + k, v));
        summary.putAll(result.evalMetrics());
        summary.put(unit + "_per_second", result.pairsPerSecond());
        summary.put("tokens_per_second", result.tokensPerSecond());
        summary.put("resumed_from", result.resumedFrom() == null ? null : result.resumedFrom().toString());
        summary.put("output_dir", result.outputDir().toString());
        spec.commandLine().getOut().println(Json.encode(summary));
        spec.commandLine().getOut().flush();
    }
}
