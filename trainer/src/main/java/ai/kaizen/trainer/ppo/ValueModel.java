package ai.kaizen.trainer.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.kaizen.model.head.ScalarHead;
import ai.kaizen.model.llama.ForwardOutput;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.safetensors.DType;
import ai.kaizen.model.safetensors.SafetensorsReader;
import ai.kaizen.trainer.device.TrainingDevice;
import ai.kaizen.trainer.training.WeightRestore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * PPO's critic: a backbone with a {@link ScalarHead} giving a value at every position,
 * initialised from the reward model as TRL does (the reward model already reads responses, so the
 * critic starts informed), and trained in full.
 */
public final class ValueModel implements AutoCloseable {

    /** Prefix of the critic's parameter names in the shared optimizer (the policy has the same names). */
    static final String PREFIX = "value.";

    private final LlamaModel network;
    private final ScalarHead head;

    private ValueModel(LlamaModel network, ScalarHead head) {
        this.network = network;
        this.head = head;
    }

    /**
     * @param rewardModelDir backbone ({@code config.json}, safetensors) and {@code scalar_head.safetensors}
     * @return a trainable critic
     */
    public static ValueModel load(Path rewardModelDir) {
        LlamaModel network = LlamaModel.load(rewardModelDir, TrainingDevice.modelOptions());
        try {
            return of(network, ScalarHead.load(network, rewardModelDir));
        } catch (RuntimeException e) {
            network.close();
            throw e;
        }
    }

    /**
     * @param network a backbone (owned from now on)
     * @param head its head
     * @return a trainable critic
     */
    public static ValueModel of(LlamaModel network, ScalarHead head) {
        network.setTrainable(true);
        return new ValueModel(network, head);
    }

    /** @return backbone and head parameters under {@link #PREFIX}ed names */
    List<Pair<String, Parameter>> parameters() {
        List<Pair<String, Parameter>> out = new ArrayList<>();
        network.parameters().forEach(p -> out.add(new Pair<>(PREFIX + p.getKey(), p.getValue())));
        head.parameters().forEach(p -> out.add(new Pair<>(PREFIX + p.getKey(), p.getValue())));
        return out;
    }

    /**
     * @param ids (B, T) token ids
     * @param mask (B, T) 1 for real tokens
     * @return (B, T) the value at every position, attached to ids' manager
     */
    NDArray values(NDArray ids, NDArray mask) {
        try (ForwardOutput out = network.hiddenStates(ids, mask, false)) {
            NDArray v = head.values(out.hidden());
            v.attach(ids.getManager());
            return v;
        }
    }

    /** Tells the backbone its weights changed (after an optimizer step). */
    void weightsChanged() {
        network.weightsChanged();
    }

    /** Saves backbone (Hugging Face layout) and head into a directory. */
    void save(Path dir) {
        network.save(dir, DType.F32);
        head.save(dir);
    }

    /** Reads weights {@link #save} wrote back into this critic. */
    void restore(Path dir) {
        WeightRestore.fullModel(network, dir);
        try (SafetensorsReader reader = SafetensorsReader.open(dir.resolve(ScalarHead.FILE))) {
            reader.readInto(ScalarHead.TENSOR, head.weight().getArray(), 0);
        }
    }

    /** @return the backbone's manager, for temporary arrays */
    NDManager manager() {
        return network.manager();
    }

    @Override
    public void close() {
        head.close();
        network.close();
    }
}
