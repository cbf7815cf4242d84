package ai.kaizen.model.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.nn.core.Linear;
import ai.kaizen.model.ModelException;
import ai.kaizen.model.config.LlamaConfig;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.NativeArrays;
import ai.kaizen.model.safetensors.DType;
import ai.kaizen.model.safetensors.SafetensorsReader;
import ai.kaizen.model.safetensors.SafetensorsWriter;
import ai.kaizen.model.safetensors.TensorInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A scalar head on the final hidden state: {@code value = score . h}, the reward model's and the
 * PPO value model's output.
 *
 * <p>It is laid out like transformers' {@code LlamaForSequenceClassification} with one label: a
 * bias-free {@code score.weight} of shape (1, hidden). It is saved beside the backbone as
 * {@code scalar_head.safetensors}; {@link #saveAsSequenceClassifier} instead writes one
 * checkpoint that transformers loads as a reward model directly.
 */
public final class ScalarHead implements AutoCloseable {

    /** File the head is saved to, beside the backbone's weights. */
    public static final String FILE = "scalar_head.safetensors";

    /** Tensor name (as in transformers' sequence classifiers). */
    public static final String TENSOR = "score.weight";

    private final NDManager manager;
    private final Parameter weight; // (1, hidden)
    private final ParameterList parameters = new ParameterList();

    private ScalarHead(NDManager manager, NDArray weight) {
        this.manager = manager;
        this.weight = Parameter.builder().setName(TENSOR).setType(Parameter.Type.WEIGHT).optRequiresGrad(true)
                .build();
        this.weight.setArray(weight);
        weight.setRequiresGradient(true);
        parameters.add(TENSOR, this.weight);
    }

    /**
     * A new head with weights drawn from N(0, 0.02), trainable.
     *
     * @param model the backbone (for width, dtype and device)
     * @param seed random seed
     * @return the head
     */
    public static ScalarHead create(LlamaModel model, long seed) {
        int hidden = model.config().hiddenSize();
        Random random = new Random(seed);
        float[] w = new float[hidden];
        for (int i = 0; i < hidden; i++) {
            w[i] = (float) (random.nextGaussian() * 0.02);
        }
        NDManager m = model.manager().newSubManager();
        return new ScalarHead(m, NativeArrays.copyOf(m, w, new Shape(1, hidden), model.options().dataType()));
    }

    /**
     * Loads the head saved beside a backbone: {@code scalar_head.safetensors}, or else the
     * {@code score.weight} of a sequence-classifier checkpoint in the same directory.
     *
     * @param model the backbone
     * @param dir the model directory
     * @return the head, trainable
     * @throws ModelException if the directory has no head
     */
    public static ScalarHead load(LlamaModel model, Path dir) {
        Path file = dir.resolve(FILE);
        try (SafetensorsReader reader = Files.exists(file) ? SafetensorsReader.open(file) : SafetensorsReader.open(dir)) {
            if (!reader.contains(TENSOR)) {
                throw new ModelException("No scalar head in " + dir + " (neither " + FILE + " nor " + TENSOR + ")");
            }
            TensorInfo info = reader.info(TENSOR);
            if (info.shape().length != 2 || info.shape()[0] != 1 || info.shape()[1] != model.config().hiddenSize()) {
                throw new ModelException(TENSOR + " in " + dir + " has shape " + java.util.Arrays.toString(info.shape())
                        + ", expected [1, " + model.config().hiddenSize() + "]");
            }
            NDManager m = model.manager().newSubManager();
            try {
                return new ScalarHead(m, reader.read(TENSOR, m, model.options().dataType()));
            } catch (RuntimeException e) {
                m.close();
                throw e;
            }
        }
    }

    /** @return the head's parameters ({@code score.weight}) */
    public ParameterList parameters() {
        return parameters;
    }

    /** @return the weight, (1, hidden) */
    public Parameter weight() {
        return weight;
    }

    /**
     * Values at every position.
     *
     * @param hidden (B, T, hidden) final hidden states from {@code LlamaModel.hiddenStates}
     * @return (B, T), attached to hidden's manager
     */
    public NDArray values(NDArray hidden) {
        NDArray v = Linear.linear(hidden, weight.getArray(), null).singletonOrThrow();
        NDArray squeezed = v.squeeze(-1);
        v.close();
        return squeezed;
    }

    /**
     * One score per sequence, read at its last real token (works for left and right padding), as
     * transformers' sequence classifiers do.
     *
     * @param hidden (B, T, hidden) final hidden states
     * @param attentionMask (B, T) 1 for real tokens, 0 for padding; null if none
     * @return (B), attached to hidden's manager
     */
    public NDArray score(NDArray hidden, NDArray attentionMask) {
        long t = hidden.getShape().get(1);
        try (NDManager tmp = hidden.getManager().newSubManager()) {
            NDArray values = values(hidden);
            values.attach(tmp);
            NDArray last;
            if (attentionMask == null) {
                last = values.get(new NDIndex(":, -1"));
            } else {
                NDArray positions = tmp.arange(0, (int) t, 1, DataType.INT64).reshape(1, t);
                NDArray lastIndex = attentionMask.toType(DataType.INT64, false).mul(positions).argMax(1)
                        .reshape(-1, 1);
                lastIndex.attach(tmp);
                last = values.gather(lastIndex, 1).reshape(-1);
            }
            last.attach(hidden.getManager());
            return last;
        }
    }

    /**
     * Saves the head beside a backbone as {@code scalar_head.safetensors}.
     *
     * @param dir the model directory
     */
    public void save(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new ModelException("Cannot create " + dir + ": " + e.getMessage(), e);
        }
        SafetensorsWriter.write(dir.resolve(FILE), Map.of(TENSOR, weight.getArray()), DType.F32,
                Map.of("format", "pt"));
    }

    /**
     * Writes backbone and head as one {@code LlamaForSequenceClassification} (or Qwen2)
     * checkpoint, which transformers loads with {@code AutoModelForSequenceClassification}.
     *
     * @param model the backbone
     * @param head the head
     * @param dir target directory
     * @param dtype F32, F16 or BF16
     */
    public static void saveAsSequenceClassifier(LlamaModel model, ScalarHead head, Path dir, DType dtype) {
        LlamaConfig config = model.config().withArchitecture(model.config().architecture().sequenceClassification());
        if (config.padTokenId() == null && !config.eosTokenIds().isEmpty()) {
            config = config.withPadTokenId(config.eosTokenIds().get(0));
        }
        model.save(dir, dtype, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES, config,
                Map.of(TENSOR, head.weight.getArray()));
    }

    /** @return the names a trainer reports for this head's parameters */
    public List<String> names() {
        return parameters.keys();
    }

    @Override
    public void close() {
        manager.close();
    }
}
