package ai.kaizen.server.inference;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.llama.ModelOptions;
import ai.kaizen.model.ModelException;
import ai.kaizen.model.config.GenerationConfig;
import ai.kaizen.model.config.LlamaConfig;
import ai.kaizen.model.lora.Lora;
import ai.kaizen.model.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The model that answers, and the version label every stored answer records: the directory's name and a short
 * fingerprint of its configuration and weight files, so that two different checkpoints never share a label.
 *
 * <p>A model runs here ({@link #model()}, in-process), or in an external OpenAI-compatible engine ({@link #engine()}:
 * vLLM, llama.cpp's server, another Kaizen) under the name the engine knows it by. Either way this server keeps the
 * version's tokenizer, chat template and context size, with which it fits conversations into the context, and which
 * are all it reads of an externally served version's files: its weights stay unloaded here.
 */
public final class ServingModel {

    private final String version;
    private final LanguageModel local;
    private final EngineModel engine;
    private final Tokenizer tokenizer;
    private final int contextSize;
    private final GenerationConfig generationConfig;

    /** A model this process runs. */
    public ServingModel(LanguageModel model, String version) {
        this(version, model, null, model.tokenizer(), model.network().config().maxPositionEmbeddings(),
                model.generationConfig());
    }

    private ServingModel(String version, LanguageModel local, EngineModel engine, Tokenizer tokenizer,
                         int contextSize, GenerationConfig generationConfig) {
        this.version = version;
        this.local = local;
        this.engine = engine;
        this.tokenizer = tokenizer;
        this.contextSize = contextSize;
        this.generationConfig = generationConfig;
    }

    /** Loads the model in {@code dir} with its weights held as {@code options} say ({@code model.dtype}). */
    public static ServingModel load(Path dir, ModelOptions options) {
        LanguageModel model = LanguageModel.load(dir, options);
        try {
            return new ServingModel(model, versionOf(dir));
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * The version in {@code dir}, served by an external engine as {@code engine}: only its tokenizer and
     * configuration are read (a LoRA adapter's from the full model beside it, or the base model it names).
     */
    public static ServingModel external(Path dir, String version, EngineModel engine) {
        Path full = LanguageModel.fullModelDirectory(dir);
        Path configDir = Files.isRegularFile(full.resolve("config.json")) ? full : baseOf(dir);
        LlamaConfig config = LlamaConfig.load(configDir);
        Tokenizer tokenizer = Tokenizer.load(dir);
        return new ServingModel(version, null, engine, tokenizer, config.maxPositionEmbeddings(),
                GenerationConfig.load(configDir, config));
    }

    private static Path baseOf(Path adapterDir) {
        var name = ai.kaizen.model.config.Json.readObject(adapterDir.resolve(Lora.CONFIG_FILE))
                .get("base_model_name_or_path");
        if (name == null || name.isJsonNull()) {
            throw new ModelException("The adapters in " + adapterDir + " have no config.json and name no base model");
        }
        Path base = Path.of(name.getAsString());
        return base.isAbsolute() || Files.isDirectory(base) ? base : adapterDir.resolve(base);
    }

    /** The label {@link #load} gives the model in {@code dir}, without loading it. */
    public static String labelOf(Path dir) {
        return versionOf(dir);
    }

    /** The label every answer of this model records. */
    public String version() {
        return version;
    }

    /** The model this process runs; fails for a model an external engine serves (see {@link #engine()}). */
    public LanguageModel model() {
        if (local == null) {
            throw new IllegalStateException("model " + version + " is served by an external engine");
        }
        return local;
    }

    /** The external engine's name for this model, when an engine serves it rather than this process. */
    public Optional<EngineModel> engine() {
        return Optional.ofNullable(engine);
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The longest prompt plus answer, in tokens ({@code max_position_embeddings}). */
    public int contextSize() {
        return contextSize;
    }

    /** The defaults of {@code generation_config.json}. */
    public GenerationConfig generationConfig() {
        return generationConfig;
    }

    /** Frees the weights (or, for an externally served model, the tokenizer). */
    public void close() {
        if (local != null) {
            local.close();
        } else {
            tokenizer.close();
        }
    }

    @Override
    public String toString() {
        return engine == null ? version : version + " (engine model " + engine.name() + ")";
    }

    /** {@code name@fingerprint}, the fingerprint from config.json (or adapter_config.json) and the names and sizes of the weight files. */
    static String versionOf(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            Path config = Files.isRegularFile(dir.resolve("config.json")) ? dir.resolve("config.json")
                    : dir.resolve(Lora.CONFIG_FILE); // LoRA adapters (LanguageModel.load reads both)
            sha.update(Files.readAllBytes(config));
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList()) {
                sha.update((f.getFileName() + ":" + Files.size(f) + ":" + Files.getLastModifiedTime(f).toMillis())
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            String name = dir.toAbsolutePath().normalize().getFileName().toString();
            return name + "@" + HexFormat.of().formatHex(sha.digest()).substring(0, 12);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model directory " + dir + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
