package ai.kaizen.server.cli;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.server.Logging;
import ai.kaizen.trainer.dataset.DatasetFormatException;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.pairwise.PreferenceSplits;
import ai.kaizen.trainer.reward.RewardEvaluation;
import ai.kaizen.trainer.reward.RewardModel;
import io.vertx.core.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code kaizen eval rm}: how often a reward model prefers the chosen answer of held-out pairs. */
@Command(name = "rm",
        mixinStandardHelpOptions = true,
        description = {"Scores both answers of every preference pair (TRL JSONL: prompt/chosen/rejected) with a",
                "reward model ('train rm' output) and prints one JSON line: accuracy (chosen scored higher),",
                "pairs, mean_margin, mean_chosen, mean_rejected (raw rewards)."})
public final class EvalRmCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Reward model directory.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Preference pairs, JSONL.")
    Path data;

    @Override
    public Integer call() {
        if (!LanguageModel.isModelDirectory(model)) {
            throw new ParameterException(spec.commandLine(), model + " is not a model directory (no config.json nor adapter_config.json)");
        }
        if (!Files.isRegularFile(data)) {
            throw new ParameterException(spec.commandLine(), "no such file: " + data);
        }
        List<PreferenceExample> pairs;
        try {
            pairs = PreferenceSplits.read(data);
        } catch (DatasetFormatException e) {
            throw new ParameterException(spec.commandLine(), data + ", " + e.getMessage());
        }
        if (pairs.isEmpty()) {
            throw new ParameterException(spec.commandLine(), data + " holds no preference pairs");
        }
        Logging.setLevel("WARN");
        RewardEvaluation result;
        try (RewardModel rm = RewardModel.load(model)) {
            result = RewardEvaluation.of(rm, pairs);
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("accuracy", result.accuracy());
        line.put("pairs", result.pairs());
        line.put("mean_margin", result.meanMargin());
        line.put("mean_chosen", result.meanChosen());
        line.put("mean_rejected", result.meanRejected());
        spec.commandLine().getOut().println(Json.encode(line));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
