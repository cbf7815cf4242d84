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

    private static void writeTemplate(LanguageModel model, Path dir) {
        try {
            Files.writeString(dir.resolve("chat_template.jinja"), model.tokenizer().chatTemplate().source(),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
