package ai.kaizen.server.cli;

import ai.kaizen.trainer.starter.StarterData;
import ai.kaizen.trainer.starter.StarterRecipe;
import ai.kaizen.trainer.tokenizer.BpeVocabulary;
import io.vertx.core.json.Json;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kaizen starter tokenizer}: trains the byte-level BPE tokenizer on the training text. */
@Command(name = "tokenizer", mixinStandardHelpOptions = true,
        description = {"Trains a byte-level BPE tokenizer (GPT-2 pre-tokenizer, {{Placeholders}} kept whole, ChatML",
                "control tokens) on the training split and writes tokenizer.json and tokenizer_config.json."})
public final class StarterTokenizerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StarterOptions options;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Option(names = "--vocab-size", paramLabel = "N", description = "Vocabulary size; default ${DEFAULT-VALUE}.")
    int vocabSize = StarterRecipe.VOCAB_SIZE;

    @Override
    public Integer call() {
        StarterData data = options.load(spec.commandLine());
        long started = System.nanoTime();
        BpeVocabulary v = StarterRecipe.trainTokenizer(data, vocabSize, StarterRecipe.SHAPE.context(), out);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("vocab_size", v.size());
        summary.put("merges", v.merges().size());
        summary.put("placeholders", v.addedTokens().size());
        summary.put("seconds", (System.nanoTime() - started) / 1e9);
        summary.put("output_dir", out.toString());
        spec.commandLine().getOut().println(Json.encode(summary));
        return 0;
    }
}
