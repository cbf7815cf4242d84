package ai.kaizen.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.kaizen.model.ModelException;
import ai.kaizen.model.safetensors.DType;
import ai.kaizen.model.safetensors.SafetensorsReader;
import ai.kaizen.model.safetensors.SafetensorsWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter) over DJL parameter arrays, step for step what PyTorch's
 * {@code torch.optim.AdamW} computes:
 *
 * <pre>
 * p  = p * (1 - lr * weightDecay)                    decoupled decay, before the moment update
 * m  = beta1 * m + (1 - beta1) * g
 * v  = beta2 * v + (1 - beta2) * g^2
 * p  = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * <p>Written here rather than using DJL's {@code Adam} because DJL's weight decay is added to the
 * gradient (L2 regularisation, which Adam then rescales per coordinate): that is Adam with L2, not
 * AdamW's decoupled decay. Owning the moments also lets checkpoints save and restore them.
 *
 * <p>Like transformers' Trainer, weight decay applies only to matrices (2-D arrays: projections and
 * embeddings), never to norms or biases. The moments take the weights' dtype (a DJL limit: no
 * float32 master copy of float16 weights).
 */
public final class AdamW implements AutoCloseable {

    /**
     * Hyper-parameters; the defaults are transformers' {@code TrainingArguments}
     * ({@code adam_beta1=0.9, adam_beta2=0.999, adam_epsilon=1e-8, weight_decay=0.0}).
     *
     * @param beta1 decay of the first moment
     * @param beta2 decay of the second moment
     * @param epsilon added to the denominator
     * @param weightDecay decoupled weight decay, multiplied by the learning rate
     */
    public record Hyper(double beta1, double beta2, double epsilon, double weightDecay) {

        /** transformers' defaults. */
        public static final Hyper DEFAULT = new Hyper(0.9, 0.999, 1e-8, 0.0);
    }

    private final Hyper hyper;
    private final List<Pair<String, Parameter>> parameters;
    private final NDManager manager;
    private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
    private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
    private long steps;

    /**
     * Creates zero moments for every parameter. Call this outside any {@link NDScope}.
     *
     * @param parameters the parameters to update, by unique name
     * @param hyper the hyper-parameters
     */
    public AdamW(List<Pair<String, Parameter>> parameters, Hyper hyper) {
        if (parameters.isEmpty()) {
            throw new IllegalArgumentException("nothing to optimise");
        }
        this.hyper = hyper;
        this.parameters = List.copyOf(parameters);
        this.manager = parameters.get(0).getValue().getArray().getManager().newSubManager();
        manager.setName("kaizen-adamw");
        for (Pair<String, Parameter> p : this.parameters) {
            NDArray w = p.getValue().getArray();
            NDArray m = manager.zeros(w.getShape(), w.getDataType());
            NDArray v = manager.zeros(w.getShape(), w.getDataType());
            // the moments live as long as the optimizer, whatever scope the caller is in
            NDScope.unregister(m, v);
            if (firstMoments.put(p.getKey(), m) != null) {
                throw new IllegalArgumentException("duplicate parameter name " + p.getKey());
            }
            secondMoments.put(p.getKey(), v);
        }
    }

    /** @return the hyper-parameters */
    public Hyper hyper() {
        return hyper;
    }

    /** @return updates done so far ({@code t} of the bias correction) */
    public long steps() {
        return steps;
    }

    /** @return the gradients of the parameters, in parameter order */
    public List<NDArray> gradients() {
        List<NDArray> out = new ArrayList<>(parameters.size());
        for (Pair<String, Parameter> p : parameters) {
            out.add(p.getValue().getArray().getGradient());
        }
        return out;
    }

    /**
     * Applies one update from the gradients currently held by the parameter arrays. The caller
     * zeroes the gradients afterwards (see {@link #zeroGradients}) and tells the model its weights
     * changed.
     *
     * @param learningRate the learning rate of this update
     */
    public void step(double learningRate) {
        steps++;
        double correction1 = 1 - Math.pow(hyper.beta1(), steps);
        double correction2 = 1 - Math.pow(hyper.beta2(), steps);
        float stepSize = (float) (learningRate / correction1);
        float sqrtCorrection2 = (float) Math.sqrt(correction2);
        float decay = (float) (1 - learningRate * hyper.weightDecay());
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (Pair<String, Parameter> p : parameters) {
                NDArray w = p.getValue().getArray();
                NDArray g = w.getGradient();
                NDArray m = firstMoments.get(p.getKey());
                NDArray v = secondMoments.get(p.getKey());
                if (hyper.weightDecay() != 0 && w.getShape().dimension() >= 2) {
                    w.muli(decay);
                }
                m.muli((float) hyper.beta1()).addi(g.mul((float) (1 - hyper.beta1())));
                v.muli((float) hyper.beta2()).addi(g.square().muli((float) (1 - hyper.beta2())));
                NDArray denominator = v.sqrt().divi(sqrtCorrection2).addi((float) hyper.epsilon());
                w.subi(m.div(denominator).muli(stepSize));
            }
        }
    }

    /** Sets every parameter's gradient to zero (PyTorch accumulates gradients across backward passes). */
    public void zeroGradients() {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (Pair<String, Parameter> p : parameters) {
                NDArray w = p.getValue().getArray();
                if (w.hasGradient()) {
                    // set, not g - g: a NaN gradient would stay NaN
                    w.getGradient().set(new NDIndex("..."), 0f);
                }
            }
        }
    }

    /**
     * Writes the moments and the step count to a safetensors file ({@code exp_avg.NAME},
     * {@code exp_avg_sq.NAME}, metadata {@code step}), float32.
     *
     * @param file the target file
     */
    public void save(Path file) {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        firstMoments.forEach((name, m) -> tensors.put("exp_avg." + name, m));
        secondMoments.forEach((name, v) -> tensors.put("exp_avg_sq." + name, v));
        SafetensorsWriter.write(file, tensors, DType.F32, Map.of("step", Long.toString(steps)));
    }

    /**
     * Restores the moments and step count written by {@link #save}.
     *
     * @param file the file
     * @throws ModelException if a parameter's moments are missing or have another shape
     */
    public void load(Path file) {
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            for (String name : firstMoments.keySet()) {
                readInto(reader, "exp_avg." + name, firstMoments.get(name));
                readInto(reader, "exp_avg_sq." + name, secondMoments.get(name));
            }
            steps = Long.parseLong(reader.metadata().getOrDefault("step", "0"));
        }
    }

    private static void readInto(SafetensorsReader reader, String name, NDArray target) {
        if (!reader.contains(name)) {
            throw new ModelException("Optimizer state lacks " + name + " (was it saved for other parameters?)");
        }
        reader.readInto(name, target, 0);
    }

    @Override
    public void close() {
        manager.close();
    }

    /** @return the first moment of a parameter, for tests */
    NDArray firstMoment(String name) {
        return firstMoments.get(name);
    }

}
