package ai.kaizen.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import java.util.List;

/**
 * A linear map {@code y = x W^T + b} that may fuse several Hugging Face projections along its
 * output axis: q/k/v into one {@code qkv_proj}, gate/up into one {@code gate_up_proj}. Fusing
 * turns three (two) matrix-vector products per layer into one, which matters because every
 * native call costs a few microseconds and decode is a long chain of small calls.
 *
 * <p>Each part can carry an {@link Adapter} (LoRA); its correction is added to that part's rows of
 * the output.
 */
public final class Projection {

    private final String name;
    private final Parameter weight;
    private final Parameter bias;
    private final List<String> parts;
    private final int[] partSizes;
    private final int[] partOffsets;
    private final Adapter[] adapters;
    private int adapterCount;
    private volatile DecodeMatrix decodeCopy;
    private volatile float[] biasValues;
    private volatile NDArray[][] chunks; // views of (weight, bias) row ranges for parallel prefill
    /** Whether the decode copy is quantised to int8 ({@link ModelOptions#int8Decode}). */
    private final boolean int8Decode;

    Projection(String name, Parameter weight, Parameter bias, List<String> parts, int[] partSizes,
            boolean int8Decode) {
        this.name = name;
        this.weight = weight;
        this.bias = bias;
        this.parts = List.copyOf(parts);
        this.partSizes = partSizes.clone();
        this.partOffsets = new int[partSizes.length];
        for (int i = 1; i < partSizes.length; i++) {
            partOffsets[i] = partOffsets[i - 1] + partSizes[i - 1];
        }
        this.adapters = new Adapter[partSizes.length];
        this.int8Decode = int8Decode;
    }

    /** @return the module path, for example {@code model.layers.3.self_attn.qkv_proj} */
    public String name() {
        return name;
    }

    /** @return the Hugging Face module names of the fused parts, for example {@code [q_proj, k_proj, v_proj]} */
    public List<String> parts() {
        return parts;
    }

    /**
     * @param part index into {@link #parts()}
     * @return the Hugging Face module path of that part, for example {@code model.layers.3.self_attn.q_proj}
     */
    public String partPath(int part) {
        return name.substring(0, name.lastIndexOf('.') + 1) + parts.get(part);
    }

    /** @param part index into {@link #parts()} @return output features of that part */
    public int partSize(int part) {
        return partSizes[part];
    }

    /** @return input features */
    public long inFeatures() {
        return weight.getArray().getShape().get(1);
    }

    /** @return the fused weight parameter, (sum of part sizes, inFeatures) */
    public Parameter weight() {
        return weight;
    }

    /** @return the fused bias parameter, or {@code null} */
    public Parameter bias() {
        return bias;
    }

    /**
     * Attaches (or with {@code null} removes) an adapter on one part.
     *
     * @param part index into {@link #parts()}
     * @param adapter the adapter, or {@code null}
     */
    public synchronized void setAdapter(int part, Adapter adapter) {
        if (adapters[part] != null) {
            adapterCount--;
        }
        adapters[part] = adapter;
        if (adapter != null) {
            adapterCount++;
        }
    }

    /** @param part index into {@link #parts()} @return the adapter on that part, or {@code null} */
    public Adapter adapter(int part) {
        return adapters[part];
    }

    /**
     * Adds a delta to the weight rows of one part, in place (LoRA merge and unmerge).
     *
     * @param part index into {@link #parts()}
     * @param delta (partSize, inFeatures)
     */
    public void addToWeight(int part, NDArray delta) {
        invalidate();
        NDArray w = weight.getArray();
        NDIndex rows = new NDIndex("{}:{}", partOffsets[part], partOffsets[part] + partSizes[part]);
        try (NDArray current = w.get(rows); NDArray updated = current.add(delta.toType(w.getDataType(), false))) {
            w.set(rows, updated);
        }
    }

    /**
     * A view of the weight rows of one part (for saving under Hugging Face names). The caller
     * closes it.
     *
     * @param part index into {@link #parts()}
     * @return (partSize, inFeatures)
     */
    public NDArray partWeight(int part) {
        return weight.getArray().get(new NDIndex("{}:{}", partOffsets[part], partOffsets[part] + partSizes[part]));
    }

    /**
     * A view of the bias of one part, or {@code null} without bias. The caller closes it.
     *
     * @param part index into {@link #parts()}
     * @return (partSize)
     */
    public NDArray partBias(int part) {
        return bias == null ? null
                : bias.getArray().get(new NDIndex("{}:{}", partOffsets[part], partOffsets[part] + partSizes[part]));
    }

    /** Drops the decode copy of the weight (after the weight changed, or the model closed). */
    void invalidate() {
        DecodeMatrix old = decodeCopy;
        decodeCopy = null;
        if (old != null) {
            old.close();
        }
        biasValues = null;
    }

    /** @return the copy for the decode kernel, made on first use */
    DecodeMatrix decodeMatrix() {
        DecodeMatrix h = decodeCopy;
        if (h == null) {
            synchronized (this) {
                h = decodeCopy;
                if (h == null) {
                    h = DecodeMatrix.of(weight.getArray(), int8Decode);
                    if (bias != null) {
                        try (NDArray f = bias.getArray().toType(ai.djl.ndarray.types.DataType.FLOAT32, true)) {
                            biasValues = f.toFloatArray();
                        }
                    }
                    decodeCopy = h;
                }
            }
        }
        return h;
    }

    /**
     * {@code y = x W^T + bias} on the decode copy, for a few rows.
     *
     * @param x (rows, in) row-major
     * @param y (rows, out) row-major, overwritten
     * @param rows rows of x and y
     */
    void multiplyOnCopy(float[] x, float[] y, int rows) {
        DecodeMatrix h = decodeMatrix();
        h.multiply(x, y, rows, Parallel.SHARED);
        float[] b = biasValues;
        if (b != null) {
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < b.length; o++) {
                    y[r * b.length + o] += b[o];
                }
            }
        }
    }

    /** @return whether any part has an adapter */
    boolean hasAdapters() {
        return adapterCount > 0;
    }

    /** @return bytes of the fused weight in float32 (the size of its heap copy) */
    long heapBytes() {
        return 4L * weight.getArray().size();
    }

    /**
     * Applies the projection.
     *
     * @param x (..., inFeatures)
     * @param training whether adapters run in training mode
     * @return (..., outFeatures)
     */
    NDArray apply(NDArray x, boolean training) {
        return apply(x, training, false);
    }

    /**
     * Applies the projection, on the decode copy when asked (decode steps).
     *
     * @param x (..., inFeatures)
     * @param training whether adapters run in training mode
     * @param javaKernel multiply on the decode copy ({@link DecodeMatrix}) instead of in PyTorch
     * @return (..., outFeatures)
     */
    NDArray apply(NDArray x, boolean training, boolean javaKernel) {
        return apply(x, training, javaKernel ? Kernel.COPY : Kernel.TORCH);
    }

    /** How {@link #apply(NDArray, boolean, Kernel)} multiplies. */
    enum Kernel {
        /** One PyTorch product. */
        TORCH,
        /** PyTorch products on row ranges of the weight, spread over {@link Parallel}'s threads (prefill). */
        TORCH_PARALLEL,
        /** The decode copy ({@link DecodeMatrix}, native or Java): decode steps. */
        COPY
    }

    /**
     * Applies the projection with the chosen kernel.
     *
     * @param x (..., inFeatures)
     * @param training whether adapters run in training mode
     * @param kernel how to multiply
     * @return (..., outFeatures)
     */
    NDArray apply(NDArray x, boolean training, Kernel kernel) {
        NDArray y;
        switch (kernel) {
            case COPY:
                y = applyOnCopy(x);
                break;
            case TORCH_PARALLEL:
                y = applyInParallel(x);
                break;
            default:
                y = Linear.linear(x, weight.getArray(), bias == null ? null : bias.getArray()).singletonOrThrow();
                break;
        }
        if (adapterCount == 0) {
            return y;
        }
        NDList deltas = new NDList(adapters.length);
        for (int p = 0; p < adapters.length; p++) {
            if (adapters[p] != null) {
                deltas.add(adapters[p].apply(x, training));
            } else {
                Shape s = y.getShape();
                deltas.add(y.getManager().zeros(s.slice(0, s.dimension() - 1).add(partSizes[p]), y.getDataType()));
            }
        }
        NDArray delta = deltas.size() == 1 ? deltas.get(0) : NDArrays.concat(deltas, -1);
        return y.add(delta);
    }

    /**
     * Splits the product by output rows over the worker threads. Each piece is a PyTorch product
     * on a view of the weight; results attach to x's manager (the caller's step manager), whatever
     * thread made them.
     */
    private NDArray applyInParallel(NDArray x) {
        NDArray[][] c = chunks;
        if (c == null) {
            synchronized (this) {
                c = chunks;
                if (c == null) {
                    int parts = 2 * Parallel.SHARED.threads();
                    int out = (int) weight.getArray().getShape().get(0);
                    c = new NDArray[parts][2];
                    for (int p = 0; p < parts; p++) {
                        int r0 = out * p / parts;
                        int r1 = out * (p + 1) / parts;
                        c[p][0] = weight.getArray().get(new NDIndex("{}:{}", r0, r1));
                        c[p][1] = bias == null ? null : bias.getArray().get(new NDIndex("{}:{}", r0, r1));
                        // made inside a forward pass's scope, but they live as long as the weight
                        NDScope.unregister(c[p][0]);
                        if (c[p][1] != null) {
                            NDScope.unregister(c[p][1]);
                        }
                    }
                    chunks = c;
                }
            }
        }
        NDArray[][] pieces = c;
        NDArray[] ys = new NDArray[pieces.length];
        Parallel.SHARED.run(pieces.length,
                (slot, p) -> ys[p] = Linear.linear(x, pieces[p][0], pieces[p][1]).singletonOrThrow());
        return NDArrays.concat(new NDList(ys), -1);
    }

    private NDArray applyOnCopy(NDArray x) {
        Shape s = x.getShape();
        int in = (int) s.get(s.dimension() - 1);
        float[] flat = x.toFloatArray();
        int rows = flat.length / in;
        int out = partOffsets[partOffsets.length - 1] + partSizes[partSizes.length - 1];
        float[] result = new float[rows * out];
        multiplyOnCopy(flat, result, rows);
        return x.getManager().create(result, s.slice(0, s.dimension() - 1).add(out));
    }
}
