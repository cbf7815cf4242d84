package ai.kaizen.server.cli;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.generation.GenerationResult;
import ai.kaizen.model.generation.Generator;
import ai.kaizen.model.generation.TokenListener;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.server.Logging;
import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.vertx.core.json.Json;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code kaizen eval policy}: a policy's answers to a file of prompts, for judging or comparing models. */
@Command(name = "policy",
        mixinStandardHelpOptions = true,
        description = {"Answers every prompt of a JSONL file ({\"prompt\": TEXT} or {\"prompt\": [messages]}) with a",
                "model, through its chat template, and writes one {\"prompt\": ..., \"response\": ...} line per",
                "prompt, in order. Samples like 'generate' unless --greedy. Prints one JSON summary line."})
public final class EvalPolicyCommand implements Callable<Integer> {

    private static final Gson GSON = new Gson();

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory.")
    Path model;

    @Option(names = "--prompts", required = true, paramLabel = "FILE", description = "Prompts, JSONL.")
    Path prompts;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where the answers go (JSONL).")
    Path out;

    @Option(names = "--greedy", description = "Always take the most likely token.")
    boolean greedy;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "256",
            description = "Most tokens per answer (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "8",
            description = "Prompts decoded together (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--seed", paramLabel = "S", description = "Random seed, for reproducible sampling.")
    Long seed;

    /** One prompt as read: the JSON value to echo and the conversation it stands for. */
    private record Prompt(JsonElement json, List<ChatMessage> messages) {}

    @Override
    public Integer call() {
        if (!LanguageModel.isModelDirectory(model)) {
            throw new ParameterException(spec.commandLine(), model + " is not a model directory (no config.json nor adapter_config.json)");
        }
        if (maxNewTokens < 1 || batchSize < 1) {
            throw new ParameterException(spec.commandLine(), "--max-new-tokens and --batch-size must be positive");
        }
        List<Prompt> all = readPrompts();
        Logging.setLevel("WARN");
        long started = System.nanoTime();
        long tokens = 0;
        try (LanguageModel lm = LanguageModel.load(model);
                BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            Generator generator = lm.generator();
            GenerationOptions options = GenerateCommand.options(lm, greedy, maxNewTokens, seed, null, null, null);
            if (lm.tokenizer().chatTemplate().isFallback()) {
                // as Generator.chat: the fallback ChatML turn ends at its markers, which the model may not know
                List<String> stops = new ArrayList<>(options.stopStrings());
                stops.addAll(Generator.FALLBACK_STOPS);
                options = options.toBuilder().stopStrings(stops).build();
            }
            for (int from = 0; from < all.size(); from += batchSize) {
                List<Prompt> chunk = all.subList(from, Math.min(all.size(), from + batchSize));
                List<int[]> ids = new ArrayList<>(chunk.size());
                for (Prompt p : chunk) {
                    ids.add(lm.tokenizer().encodeChat(p.messages(), true));
                }
                List<GenerationResult> results = generator.generateBatch(ids, options, TokenListener.NONE);
                for (int i = 0; i < chunk.size(); i++) {
                    JsonObject line = new JsonObject();
                    line.add("prompt", chunk.get(i).json());
                    line.addProperty("response", results.get(i).text());
                    writer.write(GSON.toJson(line));
                    writer.newLine();
                    tokens += results.get(i).tokenIds().length;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("prompts", all.size());
        summary.put("generated_tokens", tokens);
        summary.put("tokens_per_second", seconds == 0 ? 0 : tokens / seconds);
        summary.put("out", out.toString());
        spec.commandLine().getOut().println(Json.encode(summary));
        spec.commandLine().getOut().flush();
        return 0;
    }

    private List<Prompt> readPrompts() {
        List<String> lines;
        try {
            lines = Files.readAllLines(prompts, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "cannot read " + prompts + ": " + e.getMessage());
        }
        List<Prompt> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            try {
                out.add(parse(lines.get(i)));
            } catch (RuntimeException e) {
                throw new ParameterException(spec.commandLine(), prompts + ", line " + (i + 1) + ": "
                        + e.getMessage());
            }
        }
        if (out.isEmpty()) {
            throw new ParameterException(spec.commandLine(), prompts + " holds no prompts");
        }
        return out;
    }

    /** {@code {"prompt": "text"}} (one user turn) or {@code {"prompt": [{"role", "content"}, ...]}}. */
    private static Prompt parse(String line) {
        JsonElement parsed = JsonParser.parseString(line);
        JsonElement prompt = parsed.isJsonObject() ? parsed.getAsJsonObject().get("prompt") : null;
        if (prompt == null) {
            throw new IllegalArgumentException("expected an object with a \"prompt\"");
        }
        if (prompt.isJsonPrimitive() && prompt.getAsJsonPrimitive().isString()) {
            return new Prompt(prompt, List.of(ChatMessage.user(prompt.getAsString())));
        }
        if (!prompt.isJsonArray() || prompt.getAsJsonArray().isEmpty()) {
            throw new IllegalArgumentException("\"prompt\" must be a string or a non-empty list of messages");
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonElement m : prompt.getAsJsonArray()) {
            JsonObject o = m.isJsonObject() ? m.getAsJsonObject() : null;
            if (o == null || !o.has("role") || !o.has("content") || !o.get("role").isJsonPrimitive()
                    || !o.get("content").isJsonPrimitive()) {
                throw new IllegalArgumentException("each message needs a \"role\" and a \"content\"");
            }
            messages.add(new ChatMessage(o.get("role").getAsString(), o.get("content").getAsString()));
        }
        return new Prompt(prompt, messages);
    }
}
