package ai.kaizen.trainer.training;

import ai.djl.ndarray.NDArray;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.Projection;
import ai.kaizen.model.lora.Lora;
import ai.kaizen.model.safetensors.DType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The output directory of a trained model, the same for every trainer (SFT, reward model, DPO, KTO, PPO, RLOO,
 * GRPO), in the layout Hugging Face tools read. After full fine-tuning: the model (config, weights, generation
 * config, tokenizer files). With LoRA, as PEFT's {@code save_pretrained}: {@code adapter_config.json} and
 * {@code adapter_model.safetensors} (loadable by {@code PeftModel.from_pretrained}) with the tokenizer files, and,
 * unless {@code merge_lora=false}, the merged full model in {@value #MERGED_DIR}/. Every layout also holds the chat
 * template the model was trained with ({@code chat_template.jinja}, also when it was the fallback, so the output
 * keeps the format it learned). {@code LanguageModel.load} reads each of them.
 */
public final class ModelOutput {

    /** Subdirectory of the merged full model, beside LoRA adapters. */
    public static final String MERGED_DIR = LanguageModel.MERGED_DIR;

    private ModelOutput() {}

    /**
     * @param model the trained model
     * @param lora its adapters, or null for full fine-tuning
     * @param mergeIntoOutput with LoRA: also write the merged model into {@value #MERGED_DIR}/
     * @param dir the target directory
     */
    public static void save(LanguageModel model, Lora lora, boolean mergeIntoOutput, Path dir) {
        if (lora == null) {
            model.save(dir, DType.F32);
            writeTemplate(model, dir);
            return;
        }
        lora.save(dir, model.directory().toAbsolutePath().toString());
        LanguageModel.copyTokenizerFiles(model.directory(), dir);
        writeTemplate(model, dir);
        if (mergeIntoOutput) {
            saveMerged(model, lora, dir.resolve(MERGED_DIR));
        }
    }

    private static void saveMerged(LanguageModel model, Lora lora, Path merged) {
        LlamaModel network = model.network();
        // merge then unmerge is W + d - d, which is not W in floating point: keep exact copies
        List<NDArray> originals = new ArrayList<>();
        List<NDArray> weights = new ArrayList<>();
        for (Projection p : network.projections()) {
            if (p.parts().stream().anyMatch(lora.config().targetModules()::contains)) {
                weights.add(p.weight().getArray());
                originals.add(p.weight().getArray().duplicate());
            }
        }
        lora.merge();
        try {
            model.save(merged, DType.F32);
            writeTemplate(model, merged);
        } finally {
            lora.unmerge();
            for (int i = 0; i < weights.size(); i++) {
                originals.get(i).copyTo(weights.get(i));
                originals.get(i).close();
            }
            network.weightsChanged();
        }
    }

    /**
     * The trainable weights alone, in their public layout (checkpoints): the whole model in Hugging
     * Face layout, or the LoRA adapters in PEFT layout. {@link WeightRestore} reads them back.
     *
     * @param model the model being trained
     * @param lora its adapters, or null for full fine-tuning
     * @param dir the directory
     */
    public static void saveTrainable(LanguageModel model, Lora lora, Path dir) {
        if (lora != null) {
            lora.save(dir, model.directory().toAbsolutePath().toString());
        } else {
            model.network().save(dir, DType.F32);
        }
    }

    /**
     * A model another trainer wrote in one of these layouts (TRL's {@code output_dir}: the full model, or PEFT
     * adapters), made ready to register: a full model as it is (with the base's tokenizer files where it has none);
     * adapters merged into their base and saved as a full model in {@code mergedDir}, so that any server can load
     * the candidate without the base's path. Adapters whose {@code base_model_name_or_path} is not a directory here
     * (a hub name, a path in another machine) are taken to be adapters of {@code base}, which the job trained from.
     * Either way the model is loaded once, so that a broken checkpoint fails here rather than at the gate.
     *
     * @return the directory to register
     * @throws ai.kaizen.model.ModelException if the directory holds neither layout, or what it holds does not load
     */
    public static Path imported(Path output, Path base, Path mergedDir) {
        if (Files.isRegularFile(output.resolve("config.json"))) {
            if (!Files.isRegularFile(output.resolve("tokenizer.json"))) {
                LanguageModel.copyTokenizerFiles(base, output);
            }
            LanguageModel.load(output).close();
            return output;
        }
        Path adapterConfig = output.resolve(Lora.CONFIG_FILE);
        if (!Files.isRegularFile(adapterConfig)) {
            throw new ai.kaizen.model.ModelException("no model in " + output + ": neither a full model "
                    + "(config.json) nor PEFT adapters (" + Lora.CONFIG_FILE + ")");
        }
        com.google.gson.JsonObject config = ai.kaizen.model.config.Json.readObject(adapterConfig);
        com.google.gson.JsonElement named = config.get("base_model_name_or_path");
        if (named == null || named.isJsonNull() || !Files.isDirectory(Path.of(named.getAsString()))) {
            config.addProperty("base_model_name_or_path", base.toAbsolutePath().toString());
            ai.kaizen.model.config.Json.write(adapterConfig, config);
        }
        if (!Files.isRegularFile(output.resolve("tokenizer.json"))) {
            LanguageModel.copyTokenizerFiles(base, output);
        }
        try (LanguageModel merged = LanguageModel.load(output)) { // the adapters merged into their base
            merged.save(mergedDir, DType.F32);
            writeTemplate(merged, mergedDir);
        }
        return mergedDir;
    }

    private static void writeTemplate(LanguageModel model, Path dir) {
        try {
            Files.writeString(dir.resolve("chat_template.jinja"), model.tokenizer().chatTemplate().source(),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
