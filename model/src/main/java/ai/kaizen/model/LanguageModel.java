package ai.kaizen.model;

import ai.kaizen.model.config.GenerationConfig;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.generation.Generator;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.ModelOptions;
import ai.kaizen.model.llama.TorchThreads;
import ai.kaizen.model.lora.Lora;
import ai.kaizen.model.safetensors.DType;
import ai.kaizen.model.tokenizer.Tokenizer;
import com.google.gson.JsonElement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A model directory in Hugging Face layout, loaded: the network, its tokenizer and chat template,
 * and its generation defaults. This is the entry point for the server and the command line.
 *
 * <p>A directory of PEFT LoRA adapters (what the trainers write after LoRA training) loads too: the merged
 * model in its {@value #MERGED_DIR}/ when there is one, else the base model its {@code adapter_config.json}
 * names with the adapters merged into it.
 *
 * <pre>{@code
 * try (LanguageModel lm = LanguageModel.load(Path.of("models/smollm2"))) {
 *     GenerationResult r = lm.generator().chat(List.of(ChatMessage.user("Hi")),
 *             GenerationOptions.greedy(64), token -> { System.out.print(token.text()); return true; });
 * }
 * }</pre>
 */
public final class LanguageModel implements AutoCloseable {

    /** Tokenizer and template files copied along when saving. */
    private static final String CONFIG_FILE = "config.json";

    private static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "chat_template.jinja", "chat_template.json", "tokenizer.model");

    /** Where a LoRA output directory keeps its merged full model. */
    public static final String MERGED_DIR = "merged";

    private final Path directory;
    private final LlamaModel network;
    private final Tokenizer tokenizer;
    private final GenerationConfig generationConfig;
    private final Generator generator;

    private LanguageModel(Path directory, LlamaModel network, Tokenizer tokenizer, GenerationConfig generationConfig) {
        this.directory = directory;
        this.network = network;
        this.tokenizer = tokenizer;
        this.generationConfig = generationConfig;
        this.generator = new Generator(network, tokenizer, generationConfig);
    }

    /**
     * Loads a model directory in float32 on the CPU.
     *
     * @param dir the directory (config.json, safetensors, tokenizer.json, ...)
     * @return the model
     * @throws ModelException with a one-line, user-facing message if anything is missing or unsupported
     */
    public static LanguageModel load(Path dir) {
        return load(dir, ModelOptions.DEFAULT);
    }

    /**
     * Loads a model directory for inference. This also sets PyTorch to one intra-op thread (see
     * {@link TorchThreads}: decoding parallelises on its own, and stays fast when other processes
     * share the cores); a trainer that loads this way and trains in the same process should call
     * {@code TorchThreads.set(cores)} afterwards.
     *
     * @param dir the directory
     * @param options dtype and device
     * @return the model
     */
    public static LanguageModel load(Path dir, ModelOptions options) {
        if (!Files.isDirectory(dir)) {
            throw new ModelException("Model directory not found: " + dir);
        }
        if (isAdapterDirectory(dir)) {
            Path merged = dir.resolve(MERGED_DIR);
            return Files.isRegularFile(merged.resolve(CONFIG_FILE)) ? load(merged, options)
                    : loadWithAdapters(dir, options);
        }
        TorchThreads.forInference();
        LlamaModel network = LlamaModel.load(dir, options);
        try {
            Tokenizer tokenizer = Tokenizer.load(dir);
            return new LanguageModel(dir, network, tokenizer, GenerationConfig.load(dir, network.config()));
        } catch (RuntimeException e) {
            network.close();
            throw e;
        }
    }

    /**
     * @param dir a directory
     * @return whether {@link #load} reads it: a model ({@code config.json}) or LoRA adapters
     */
    public static boolean isModelDirectory(Path dir) {
        return dir != null && (Files.isRegularFile(dir.resolve(CONFIG_FILE)) || isAdapterDirectory(dir));
    }

    /**
     * @param dir a model directory
     * @return the directory holding its full model's files: itself, or the merged model beside LoRA adapters
     *     (adapters without a merged model: the directory itself)
     */
    public static Path fullModelDirectory(Path dir) {
        Path merged = dir.resolve(MERGED_DIR);
        return isAdapterDirectory(dir) && Files.isRegularFile(merged.resolve(CONFIG_FILE)) ? merged : dir;
    }

    private static boolean isAdapterDirectory(Path dir) {
        return !Files.isRegularFile(dir.resolve(CONFIG_FILE)) && Files.isRegularFile(dir.resolve(Lora.CONFIG_FILE));
    }

    /** The base model {@code adapter_config.json} names, with the adapters merged in, and their tokenizer. */
    private static LanguageModel loadWithAdapters(Path dir, ModelOptions options) {
        JsonElement name = Json.readObject(dir.resolve(Lora.CONFIG_FILE)).get("base_model_name_or_path");
        if (name == null || name.isJsonNull()) {
            throw new ModelException("The adapters in " + dir + " name no base model (base_model_name_or_path)");
        }
        Path base = Path.of(name.getAsString());
        if (!base.isAbsolute() && !Files.isDirectory(base)) {
            base = dir.resolve(base);
        }
        if (!Files.isRegularFile(base.resolve(CONFIG_FILE))) {
            throw new ModelException("The base model of the adapters in " + dir + " is not found: " + base);
        }
        TorchThreads.forInference();
        LlamaModel network = LlamaModel.load(base, options);
        try {
            try (Lora lora = Lora.load(network, dir)) {
                lora.merge(); // stays in the weights when the adapters are closed
            }
            network.weightsChanged();
            Tokenizer tokenizer = Tokenizer.load(dir);
            return new LanguageModel(dir, network, tokenizer, GenerationConfig.load(base, network.config()));
        } catch (RuntimeException e) {
            network.close();
            throw e;
        }
    }

    /**
     * Puts together a model from parts already in memory (random weights for benchmarks, a
     * network built elsewhere). The parts are owned by the result and closed with it.
     *
     * @param directory where tokenizer files are copied from on {@link #save}
     * @param network the network
     * @param tokenizer its tokenizer
     * @param generationConfig generation defaults
     * @return the model
     */
    public static LanguageModel of(Path directory, LlamaModel network, Tokenizer tokenizer,
            GenerationConfig generationConfig) {
        return new LanguageModel(directory, network, tokenizer, generationConfig);
    }

    /** @return the directory this was loaded from */
    public Path directory() {
        return directory;
    }

    /** @return the network */
    public LlamaModel network() {
        return network;
    }

    /** @return the tokenizer (with the chat template) */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** @return the defaults from generation_config.json */
    public GenerationConfig generationConfig() {
        return generationConfig;
    }

    /** @return a generator over this model (thread-safe, shared) */
    public Generator generator() {
        return generator;
    }

    /**
     * Saves the whole model directory: weights and config (see {@link LlamaModel#save}),
     * {@code generation_config.json}, and the tokenizer files copied from the source directory.
     *
     * @param dir target directory
     * @param dtype F32, F16 or BF16
     */
    public void save(Path dir, DType dtype) {
        network.save(dir, dtype);
        Json.write(dir.resolve("generation_config.json"), generationConfig.toJson());
        copyTokenizerFiles(directory, dir);
    }

    /**
     * Copies the tokenizer and chat-template files of a model directory.
     *
     * @param from source model directory
     * @param to target directory
     */
    public static void copyTokenizerFiles(Path from, Path to) {
        if (from.toAbsolutePath().normalize().equals(to.toAbsolutePath().normalize())) {
            return;
        }
        try {
            Files.createDirectories(to);
            for (String name : TOKENIZER_FILES) {
                Path f = from.resolve(name);
                if (Files.exists(f)) {
                    Files.copy(f, to.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new ModelException("Cannot copy tokenizer files to " + to + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        tokenizer.close();
        network.close();
    }
}
