package ai.kaizen.model.bench;

import ai.djl.ndarray.NDManager;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.generation.Generator;
import ai.kaizen.model.generation.TokenListener;
import ai.kaizen.model.tokenizer.ChatMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs many generations of every kind (greedy, sampled, batched, chat, cancelled) and prints the
 * process's resident memory and live NDArray count as it goes, one JSON line per report: in a
 * server that does not leak, both stay flat after warm-up.
 *
 * <p>{@code java -cp ... ai.kaizen.model.bench.ResidentMemoryBenchmark MODEL_DIR [generations] [reportEvery]}
 */
public final class ResidentMemoryBenchmark {

    private ResidentMemoryBenchmark() {}

    /**
     * @param args model directory, generations (default 10000), report interval (default 1000)
     * @throws IOException if /proc cannot be read
     */
    public static void main(String[] args) throws IOException {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        Path dir = Path.of(args[0]);
        int total = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int every = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        try (LanguageModel lm = LanguageModel.load(dir)) {
            Generator g = lm.generator();
            int[] prompt = lm.tokenizer().encode("Once upon a time");
            List<int[]> batch = List.of(prompt, lm.tokenizer().encode("The cat sat"), lm.tokenizer().encode("One"));
            GenerationOptions greedy = GenerationOptions.greedy(8);
            GenerationOptions sampled = GenerationOptions.builder().doSample(true).temperature(0.8).topK(40).topP(0.9)
                    .repetitionPenalty(1.1).maxNewTokens(8).stopStrings(List.of("\n\n")).build();
            long start = System.nanoTime();
            for (int i = 1; i <= total; i++) {
                switch (i % 5) {
                    case 0:
                        g.generate(prompt, greedy, TokenListener.NONE);
                        break;
                    case 1:
                        g.generate(prompt, sampled.toBuilder().seed((long) i).build(), t -> true);
                        break;
                    case 2:
                        g.generateBatch(batch, sampled, TokenListener.NONE);
                        break;
                    case 3:
                        g.chat(List.of(ChatMessage.user("Tell me a story")), greedy, TokenListener.NONE);
                        break;
                    default:
                        g.generate(prompt, greedy, t -> t.index() < 2);
                        break;
                }
                if (i % every == 0 || i == 1) {
                    System.gc();
                    System.out.printf("{\"generations\": %d, \"rss_mb\": %.1f, \"live_arrays\": %d, \"heap_used_mb\": %.1f, "
                                    + "\"seconds\": %.1f}%n", i, residentMb(), liveArrays(),
                            (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / 1048576.0,
                            (System.nanoTime() - start) / 1e9);
                }
            }
        }
    }

    private static int liveArrays() {
        try (NDManager probe = NDManager.newBaseManager()) {
            return probe.getParentManager().getManagedArrays().size();
        }
    }

    private static double residentMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return -1;
    }
}
