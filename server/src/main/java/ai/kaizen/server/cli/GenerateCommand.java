package ai.kaizen.server.cli;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.ModelException;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.generation.GenerationResult;
import ai.kaizen.model.generation.Generator;
import ai.kaizen.model.generation.TokenListener;
import ai.kaizen.model.tokenizer.ChatMessage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kaizen generate}: continues a prompt with a local model and prints the continuation
 * (streamed as it is generated), or with {@code --print-ids} one line of all token ids.
 */
@Command(name = "generate",
        mixinStandardHelpOptions = true,
        description = {"Generates text with a local Hugging Face model directory (Llama, SmolLM, TinyLlama, Qwen2).",
                "The prompt is one user turn rendered with the model's chat template, or with --raw encoded as is.",
                "Without --greedy it samples, with the model's generation_config.json defaults where set "
                        + "(else temperature 1.0, top-k 50, top-p 1.0)."})
public final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Model directory: config.json, safetensors weights, tokenizer.json.")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Prompt prompt;

    /** Exactly one prompt source. */
    static final class Prompt {
        @Option(names = "--prompt", paramLabel = "TEXT", description = "The prompt.")
        String text;

        @Option(names = "--prompt-file", paramLabel = "FILE", description = "Read the prompt from a UTF-8 file.")
        Path file;
    }

    @Option(names = "--raw", description = "Skip the chat template: encode the prompt exactly as tokenizer.json says "
            + "(BOS included where its post-processor adds it).")
    boolean raw;

    @Option(names = "--greedy", description = "Always take the most likely token.")
    boolean greedy;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "256",
            description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--temperature", paramLabel = "T", description = "Sampling temperature.")
    Double temperature;

    @Option(names = "--top-p", paramLabel = "P", description = "Nucleus sampling: keep the most likely tokens up to this probability.")
    Double topP;

    @Option(names = "--top-k", paramLabel = "K", description = "Keep only the K most likely tokens (0: all).")
    Integer topK;

    @Option(names = "--seed", paramLabel = "S", description = "Random seed, for reproducible sampling.")
    Long seed;

    @Option(names = "--print-ids", description = "Print one line instead: all token ids, prompt then generated, comma-separated.")
    boolean printIds;

    @Override
    public Integer call() {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            String text = prompt.text != null ? prompt.text : Files.readString(prompt.file, StandardCharsets.UTF_8);
            try (LanguageModel lm = LanguageModel.load(model)) {
                GenerationOptions options = options(lm);
                Generator generator = lm.generator();
                TokenListener listener = printIds ? TokenListener.NONE : token -> {
                    out.print(token.text());
                    out.flush();
                    return true;
                };
                GenerationResult result = raw
                        ? generator.generate(text, options, listener)
                        : generator.chat(List.of(ChatMessage.user(text)), options, listener);
                if (printIds) {
                    out.println(Arrays.stream(result.allIds()).mapToObj(Integer::toString)
                            .collect(Collectors.joining(",")));
                } else {
                    out.println();
                }
                out.flush();
            }
            return 0;
        } catch (ModelException | IllegalArgumentException e) {
            err.println("kaizen generate: " + e.getMessage());
            return 1;
        } catch (java.nio.file.NoSuchFileException e) {
            err.println("kaizen generate: prompt file not found: " + prompt.file);
            return 1;
        } catch (IOException e) {
            err.println("kaizen generate: cannot read " + prompt.file + ": " + e.getMessage());
            return 1;
        }
    }

    private GenerationOptions options(LanguageModel lm) {
        return options(lm, greedy, maxNewTokens, seed, temperature, topP, topK);
    }

    /**
     * Decoding settings as {@code generate} (and {@code eval policy}) choose them: greedy, or sampling with the
     * model's generation_config.json defaults (top-k 50 where it sets none) and the given overrides.
     */
    static GenerationOptions options(LanguageModel lm, boolean greedy, int maxNewTokens, Long seed,
            Double temperature, Double topP, Integer topK) {
        if (greedy) {
            return GenerationOptions.builder().maxNewTokens(maxNewTokens).seed(seed).build();
        }
        GenerationOptions.Builder b = GenerationOptions.builder(lm.generationConfig())
                .doSample(true).maxNewTokens(maxNewTokens).seed(seed);
        if (lm.generationConfig().topK() == null) {
            b.topK(50);
        }
        if (temperature != null) {
            b.temperature(temperature);
        }
        if (topP != null) {
            b.topP(topP);
        }
        if (topK != null) {
            b.topK(topK);
        }
        return b.build();
    }
}
