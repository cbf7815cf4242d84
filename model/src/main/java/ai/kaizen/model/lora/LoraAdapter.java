package ai.kaizen.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.kaizen.model.llama.Adapter;
import ai.kaizen.model.llama.NativeArrays;

/**
 * One low-rank update {@code delta(x) = scaling * B (A dropout(x))} on one projection.
 */
public final class LoraAdapter implements Adapter {

    private final String modulePath;
    private final Parameter a; // (rank, in)
    private final Parameter b; // (out, rank)
    private final float scaling;
    private final NDArray scalingArray; // native scalar: autograd keeps it for the backward pass
    private final float dropout;

    LoraAdapter(String modulePath, Parameter a, Parameter b, double scaling, double dropout) {
        this.modulePath = modulePath;
        this.a = a;
        this.b = b;
        this.scaling = (float) scaling;
        this.scalingArray = NativeArrays.scalar(a.getArray().getManager(), scaling, a.getArray().getDataType());
        ai.djl.ndarray.NDScope.unregister(scalingArray); // lives as long as the adapter
        this.dropout = (float) dropout;
    }

    /** @return the adapted module, for example {@code model.layers.0.self_attn.q_proj} */
    public String modulePath() {
        return modulePath;
    }

    /** @return {@code lora_A}, (rank, in) */
    public Parameter a() {
        return a;
    }

    /** @return {@code lora_B}, (out, rank) */
    public Parameter b() {
        return b;
    }

    /** @return the scaling factor */
    public float scaling() {
        return scaling;
    }

    @Override
    public NDArray apply(NDArray x, boolean training) {
        NDArray in = training && dropout > 0 ? Dropout.dropout(x, dropout, true).singletonOrThrow() : x;
        NDArray down = Linear.linear(in, a.getArray(), null).singletonOrThrow();
        NDArray up = Linear.linear(down, b.getArray(), null).singletonOrThrow();
        return up.mul(scalingArray);
    }

    /** @return {@code scaling * B A}, (out, in), attached to B's manager; the caller closes it */
    NDArray delta() {
        NDArray product = b.getArray().matMul(a.getArray());
        NDArray scaled = product.mul(scalingArray);
        product.close();
        return scaled;
    }
}
