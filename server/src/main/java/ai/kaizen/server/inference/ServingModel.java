package ai.kaizen.server.inference;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.llama.ModelOptions;
import ai.kaizen.model.lora.Lora;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * The model that answers, and the version label every stored answer records: the directory's name and a short
 * fingerprint of its configuration and weight files, so that two different checkpoints never share a label.
 */
public record ServingModel(LanguageModel model, String version) {

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

    /** The label {@link #load} gives the model in {@code dir}, without loading it. */
    public static String labelOf(Path dir) {
        return versionOf(dir);
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
