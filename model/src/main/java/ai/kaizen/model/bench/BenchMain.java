package ai.kaizen.model.bench;

import ai.kaizen.model.config.LlamaConfig;
import ai.kaizen.model.llama.DecodeKernel;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.ModelOptions;
import ai.kaizen.model.llama.TorchThreads;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs {@link GenerationBenchmark} without the server jar (development):
 * {@code java -cp ... ai.kaizen.model.bench.BenchMain PATH [batch] [promptTokens] [newTokens] [float32|float16|int8] [AUTO|JAVA|TORCH]},
 * where PATH is a model directory or a config.json (random weights). Prints one JSON line.
 */
public final class BenchMain {

    private BenchMain() {}

    /**
     * @param args see the class comment
     */
    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        Path path = Path.of(args[0]);
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int prompt = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        int fresh = args.length > 3 ? Integer.parseInt(args[3]) : 128;
        DecodeKernel kernel = args.length > 5 ? DecodeKernel.valueOf(args[5]) : DecodeKernel.AUTO;
        ModelOptions options = ModelOptions.ofDtype(args.length > 4 ? args[4] : "float32").withDecodeKernel(kernel);
        TorchThreads.set(Integer.getInteger(TorchThreads.PROPERTY, 1));
        try (LlamaModel model = Files.isDirectory(path) ? LlamaModel.load(path, options)
                : LlamaModel.random(LlamaConfig.load(path), options, 0)) {
            BenchmarkResult r = GenerationBenchmark.run(model, path.toString(),
                    new GenerationBenchmark.Settings(batch, prompt, fresh, 3));
            System.out.println(r.toJson());
        }
    }
}
