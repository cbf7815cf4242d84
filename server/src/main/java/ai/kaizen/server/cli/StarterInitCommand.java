package ai.kaizen.server.cli;

import ai.kaizen.model.config.LlamaConfig;
import ai.kaizen.trainer.starter.StarterRecipe;
import ai.kaizen.trainer.starter.StarterRecipe.ModelShape;
import io.vertx.core.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code kaizen starter init}: a randomly initialised Llama with the starter tokenizer. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Writes a randomly initialised Llama model (tied embeddings) with a tokenizer, to pretrain.")
public final class StarterInitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--tokenizer", required = true, paramLabel = "DIR", description = "Tokenizer directory.")
    Path tokenizer;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Option(names = "--hidden", description = "Width; default ${DEFAULT-VALUE}.")
    int hidden = StarterRecipe.SHAPE.hidden();

    @Option(names = "--layers", description = "Decoder layers; default ${DEFAULT-VALUE}.")
    int layers = StarterRecipe.SHAPE.layers();

    @Option(names = "--heads", description = "Attention heads; default ${DEFAULT-VALUE}.")
    int heads = StarterRecipe.SHAPE.heads();

    @Option(names = "--intermediate", description = "MLP width; default ${DEFAULT-VALUE}.")
    int intermediate = StarterRecipe.SHAPE.intermediate();

    @Option(names = "--context", description = "Context in tokens; default ${DEFAULT-VALUE}.")
    int context = StarterRecipe.SHAPE.context();

    @Option(names = "--seed", description = "Initialisation seed; default ${DEFAULT-VALUE}.")
    long seed = StarterRecipe.SEED;

    @Override
    public Integer call() {
        if (!Files.isRegularFile(tokenizer.resolve("tokenizer.json"))) {
            throw new ParameterException(spec.commandLine(), tokenizer + " has no tokenizer.json");
        }
        if (hidden <= 0 || layers <= 0 || heads <= 0 || intermediate <= 0 || context < 2 || hidden % heads != 0) {
            throw new ParameterException(spec.commandLine(), "sizes must be positive and --hidden a multiple of "
                    + "--heads");
        }
        StarterRecipe.initModel(tokenizer, new ModelShape(hidden, layers, heads, intermediate, context), seed, out);
        LlamaConfig config = LlamaConfig.load(out.resolve("config.json"));
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("vocab_size", config.vocabSize());
        summary.put("output_dir", out.toString());
        spec.commandLine().getOut().println(Json.encode(summary));
        return 0;
    }
}
