package ai.kaizen.trainer.training;

import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.lora.Lora;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The weights a trainer updates in a language model: LoRA adapters on a frozen base,
 * or every weight (full fine-tuning); saved into and restored from checkpoints in their public
 * layout (PEFT adapter files, or a Hugging Face model).
 */
public final class TrainableWeights implements AutoCloseable {

    private final LanguageModel model;
    private final Lora lora;
    private final List<Pair<String, Parameter>> parameters = new ArrayList<>();

    /**
     * Attaches fresh adapters (seeded) or makes every weight trainable.
     *
     * @param model the model, in float32
     * @param args whether to use LoRA, its options, the seed
     */
    public TrainableWeights(LanguageModel model, TrainingArguments args) {
        this.model = model;
        if (args.usesLora()) {
            lora = Lora.attach(model.network(), args.lora().toLoraConfig(), args.seed());
            lora.parameters().forEach(parameters::add);
        } else {
            lora = null;
            model.network().setTrainable(true);
            model.network().parameters().forEach(parameters::add);
        }
        for (Pair<String, Parameter> p : parameters) {
            p.getValue().getArray().setRequiresGradient(true);
        }
    }

    /** @return the adapters, or null for full fine-tuning */
    public Lora lora() {
        return lora;
    }

    /** @return the trainable parameters by name */
    public List<Pair<String, Parameter>> parameters() {
        return Collections.unmodifiableList(parameters);
    }

    /** @param dir a checkpoint directory: the adapters (PEFT files) or the whole model (HF files) go there */
    public void save(Path dir) {
        ModelOutput.saveTrainable(model, lora, dir);
    }

    /** @param dir a checkpoint directory {@link #save} wrote */
    public void restore(Path dir) {
        WeightRestore.trainable(model.network(), lora, dir);
    }

    /** Removes the adapters, or freezes the weights again. */
    @Override
    public void close() {
        if (lora != null) {
            lora.close();
        } else {
            model.network().setTrainable(false);
        }
    }
}
