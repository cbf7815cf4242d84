package ai.kaizen.trainer.pairwise;

import ai.djl.ndarray.NDArray;
import ai.kaizen.model.LanguageModel;
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
 * Writes a trained model as a Hugging Face directory that {@code LanguageModel.load} (and so
 * {@code kaizen generate}) reads: config, weights, generation config, tokenizer files and the chat
 * template it was trained with ({@code chat_template.jinja}, also when it was the fallback). With
 * LoRA the directory holds the merged model, and {@code adapter/} the PEFT adapter files.
 */
public final class ModelOutput {

    /** Subdirectory of the PEFT adapters, when trained with LoRA. */
    public static final String ADAPTER_DIR = "adapter";

    private ModelOutput() {}

    /**
     * @param model the trained model
     * @param lora its adapters, or null after full fine-tuning
     * @param dir the target directory
     */
    public static void save(LanguageModel model, Lora lora, Path dir) {
        if (lora == null) {
            model.save(dir, DType.F32);
            writeTemplate(model, dir);
            return;
        }
        Path adapter = dir.resolve(ADAPTER_DIR);
        lora.save(adapter, model.directory().toString());
        LanguageModel.copyTokenizerFiles(model.directory(), adapter);
        writeTemplate(model, adapter);
        // merge then unmerge is W + d - d, which is not W in floating point: keep exact copies
        List<NDArray> originals = new ArrayList<>();
        List<NDArray> weights = new ArrayList<>();
        for (Projection p : model.network().projections()) {
            if (p.parts().stream().anyMatch(lora.config().targetModules()::contains)) {
                weights.add(p.weight().getArray());
                originals.add(p.weight().getArray().duplicate());
            }
        }
        lora.merge();
        try {
            model.save(dir, DType.F32);
            writeTemplate(model, dir);
        } finally {
            lora.unmerge();
            for (int i = 0; i < weights.size(); i++) {
                originals.get(i).copyTo(weights.get(i));
                originals.get(i).close();
            }
            model.network().weightsChanged();
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
