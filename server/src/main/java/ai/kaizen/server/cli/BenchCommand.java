package ai.kaizen.server.cli;

import ai.kaizen.model.ModelException;
import ai.kaizen.model.bench.BenchmarkResult;
import ai.kaizen.model.bench.GenerationBenchmark;
import ai.kaizen.model.config.LlamaConfig;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.ModelOptions;
import ai.kaizen.model.llama.TorchThreads;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kaizen bench ...}: performance measurements. */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks.",
        subcommands = {BenchCommand.Generate.class, ChatBenchCommand.class, ServeBenchCommand.class, FeedbackBenchCommand.class,
                TrainBenchCommand.class})
public final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code kaizen bench generate}: prefill and decode speed, as one JSON line. */
    @Command(name = "generate",
            mixinStandardHelpOptions = true,
            description = {"Times prefill and decode of a model and prints one JSON line (tokens/s summed over the batch, "
                    + "the memory-bandwidth bound, and where a decode step's time goes).",
                    "With --config the weights are random (timing only)."})
    public static final class Generate implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Source source;

        /** Exactly one model source. */
        static final class Source {
            @Option(names = "--model", paramLabel = "DIR", description = "Model directory.")
            Path model;

            @Option(names = "--config", paramLabel = "CONFIG.json", description = "A config.json: random weights of that shape.")
            Path config;
        }

        @Option(names = "--batch", paramLabel = "B", defaultValue = "1", description = "Sequences decoded together (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--prompt-tokens", paramLabel = "P", defaultValue = "128", description = "Prompt length (default: ${DEFAULT-VALUE}).")
        int promptTokens;

        @Option(names = "--new-tokens", paramLabel = "N", defaultValue = "128", description = "Tokens generated per sequence (default: ${DEFAULT-VALUE}).")
        int newTokens;

        @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "float32",
                description = "Weight type: float32, float16, or int8 (float32 weights, decoded with int8 copies in "
                        + "blocks of 32 with a float16 scale each, as llama.cpp's Q8_0) (default: ${DEFAULT-VALUE}).")
        String dtype;

        @Override
        public Integer call() {
            System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                ModelOptions options = ModelOptions.ofDtype(dtype);
                TorchThreads.forInference();
                GenerationBenchmark.Settings settings = new GenerationBenchmark.Settings(batch, promptTokens, newTokens, 3);
                Path path = source.model != null ? source.model : source.config;
                try (LlamaModel model = source.model != null ? LlamaModel.load(source.model, options)
                        : LlamaModel.random(LlamaConfig.load(source.config), options, 0)) {
                    BenchmarkResult result = GenerationBenchmark.run(model, path.toString(), settings);
                    out.println(result.toJson());
                    out.flush();
                }
                return 0;
            } catch (ModelException | IllegalArgumentException e) {
                err.println("kaizen bench generate: " + e.getMessage());
                return 1;
            }
        }
    }
}
