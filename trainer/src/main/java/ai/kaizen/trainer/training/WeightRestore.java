package ai.kaizen.trainer.training;

import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.kaizen.model.ModelException;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.Projection;
import ai.kaizen.model.lora.Lora;
import ai.kaizen.model.safetensors.SafetensorsReader;
import java.nio.file.Path;

/**
 * Reads checkpoint weights back into the arrays of a model already in memory (the model module
 * loads checkpoints only into new models). Full fine-tuning checkpoints are in Hugging Face layout,
 * where q/k/v and gate/up are separate tensors: they are stacked back into the fused parameters in
 * the order {@link Projection#parts()} lists them.
 */
public final class WeightRestore {

    private WeightRestore() {}

    /** Copies a Hugging Face checkpoint directory's tensors into every parameter of the model. */
    public static void fullModel(LlamaModel model, Path dir) {
        try (SafetensorsReader reader = SafetensorsReader.open(dir)) {
            for (Pair<String, Parameter> p : model.parameters()) {
                if (reader.contains(p.getKey())) {
                    reader.readInto(p.getKey(), p.getValue().getArray(), 0);
                    continue;
                }
                Projection projection = projectionOf(model, p.getValue());
                String suffix = p.getValue() == projection.weight() ? ".weight" : ".bias";
                long rowElements = p.getValue().getArray().size() / p.getValue().getArray().getShape().get(0);
                long offset = 0;
                for (int part = 0; part < projection.parts().size(); part++) {
                    reader.readInto(projection.partPath(part) + suffix, p.getValue().getArray(), offset);
                    offset += projection.partSize(part) * rowElements;
                }
            }
        }
        model.weightsChanged();
    }

    /** Copies a PEFT adapter file's tensors into the adapters' parameters (same names). */
    public static void adapters(Lora lora, LlamaModel model, Path dir) {
        try (SafetensorsReader reader = SafetensorsReader.open(dir.resolve(Lora.WEIGHTS_FILE))) {
            for (Pair<String, Parameter> p : lora.parameters()) {
                if (!reader.contains(p.getKey())) {
                    throw new ModelException("Checkpoint " + dir + " lacks adapter tensor " + p.getKey());
                }
                reader.readInto(p.getKey(), p.getValue().getArray(), 0);
            }
        }
        model.weightsChanged();
    }

    /**
     * Reads what {@link ModelOutput#saveTrainable} wrote: the adapters with LoRA, else the whole model.
     *
     * @param model the model
     * @param lora its adapters, or null for full fine-tuning
     * @param dir the directory
     */
    public static void trainable(LlamaModel model, Lora lora, Path dir) {
        if (lora != null) {
            adapters(lora, model, dir);
        } else {
            fullModel(model, dir);
        }
    }

    private static Projection projectionOf(LlamaModel model, Parameter parameter) {
        for (Projection projection : model.projections()) {
            if (projection.weight() == parameter || projection.bias() == parameter) {
                return projection;
            }
        }
        throw new ModelException("No tensor in the checkpoint for parameter " + parameter.getName());
    }
}
