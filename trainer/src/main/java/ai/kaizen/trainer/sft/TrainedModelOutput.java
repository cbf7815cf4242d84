package ai.kaizen.trainer.sft;

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
 * The output directory of a trained model, the same for every trainer (SFT, PPO, ...): the full
 * model in Hugging Face layout with generation config, tokenizer files and the chat template it
 * was trained with ({@code chat_template.jinja}, also when it was the fallback, so the output keeps
 * the format it learned); with LoRA, the PEFT adapter files plus tokenizer files, and optionally
 * the merged full model in {@code merged/}.
 */
public final class TrainedModelOutput {

    private TrainedModelOutput() {}

    /**
     * @param model the trained model
     * @param lora its adapters, or null for full fine-tuning
     * @param mergeIntoOutput with LoRA: also write the merged model into {@code merged/}
     * @param dir the target directory
     */
    public static void save(LanguageModel model, Lora lora, boolean mergeIntoOutput, Path dir) {
        if (lora == null) {
            model.save(dir, DType.F32);
            writeTemplate(model, dir);
            return;
        }
        lora.save(dir, model.directory().toString());
        LanguageModel.copyTokenizerFiles(model.directory(), dir);
        writeTemplate(model, dir);
        if (mergeIntoOutput) {
            Path merged = dir.resolve("merged");
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
    }

    /**
     * The trainable weights alone, in their public layout (checkpoints): the whole model in Hugging
     * Face layout, or the LoRA adapters in PEFT layout.
     *
     * @param model the model being trained
     * @param lora its adapters, or null for full fine-tuning
     * @param dir the directory
     */
    public static void saveTrainable(LanguageModel model, Lora lora, Path dir) {
        if (lora != null) {
            lora.save(dir, model.directory().toString());
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
