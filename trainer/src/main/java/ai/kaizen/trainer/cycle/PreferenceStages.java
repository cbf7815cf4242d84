package ai.kaizen.trainer.cycle;

import ai.kaizen.trainer.training.TrainingArguments;
import com.google.gson.JsonParser;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/**
 * What the stages after SFT share: their pairs, their trainer options as the trainers read them, and the rule that
 * they train the full model.
 */
final class PreferenceStages {

    private PreferenceStages() {
    }

    /** The preference dataset the dataset stage built. */
    static Path pairs(CycleContext context, StageKind kind) {
        String dir = context.result(StageKind.DATASET).map(r -> r.getString(DatasetStage.PREFERENCES_DIR))
                .orElseThrow(() -> new IllegalStateException("the " + kind.label()
                        + " stage needs the dataset stage (with preference pairs) before it"));
        return Path.of(dir);
    }

    /** The thumbs dataset the dataset stage built, if it built one. */
    static java.util.Optional<Path> thumbs(CycleContext context) {
        return context.result(StageKind.DATASET).map(r -> r.getString(DatasetStage.THUMBS_DIR)).map(Path::of);
    }

    /** How many training pairs the dataset stage wrote (for the progress total). */
    static int trainPairs(CycleContext context) {
        return context.result(StageKind.DATASET).map(r -> r.getInteger("preference_train", 0)).orElse(0);
    }

    /**
     * The stage's TRL options from the request, writing to its own output directory and always resuming (a cycle
     * resumed after its trainer died continues where it was).
     */
    static com.google.gson.JsonObject options(CycleContext context, StageKind kind, Path output) {
        com.google.gson.JsonObject options = JsonParser.parseString(context.options(kind).encode())
                .getAsJsonObject();
        options.addProperty("output_dir", output.toString());
        options.addProperty("resume", true);
        return options;
    }

    /**
     * A cycle registers, gates and serves full models: its policy stages refuse LoRA.
     *
     * @param args the stage's training options
     * @param kind the stage
     */
    static void requireFullModel(TrainingArguments args, StageKind kind) {
        if (args.usesLora()) {
            throw new IllegalArgumentException("the cycle's " + kind.label() + " stage trains the full model (use_peft "
                    + "is not served)");
        }
    }

    /** The trainer's metrics map, as a stage result (non-finite values left out). */
    static JsonObject metrics(java.util.Map<String, Double> metrics) {
        JsonObject out = new JsonObject();
        metrics.forEach((k, v) -> {
            if (v != null && Double.isFinite(v)) {
                out.put(k, v);
            }
        });
        return out;
    }
}
