package ai.kaizen.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.kaizen.model.config.LlamaConfig;

/**
 * One pre-norm decoder block: attention then SwiGLU MLP, each added to the residual stream.
 *
 * <pre>
 *   h = x + o_proj(attention(rope(q), rope(k), v))      q, k, v = qkv_proj(rmsnorm(x))
 *   y = h + down_proj(silu(gate) * up)                   gate, up = gate_up_proj(rmsnorm(h))
 * </pre>
 *
 * Attention groups query heads by their key/value head (GQA) instead of repeating keys and
 * values: queries are viewed as (batch, kvHeads, group * T, headDim) and multiplied against the
 * (batch, kvHeads, S, headDim) keys directly.
 */
final class DecoderLayer {

    final int index;
    final Parameter inputNorm; // (hidden)
    final Projection qkv; // (qDim + 2 kvDim, hidden), bias (qDim + 2 kvDim) for Qwen2
    final Projection output; // (hidden, qDim)
    final Parameter postAttentionNorm; // (hidden)
    final Projection gateUp; // (2 intermediate, hidden)
    final Projection down; // (hidden, intermediate)

    private final int heads;
    private final int kvHeads;
    private final int headDim;

    DecoderLayer(int index, LlamaConfig config, Parameter inputNorm, Projection qkv, Projection output,
            Parameter postAttentionNorm, Projection gateUp, Projection down) {
        this.index = index;
        this.inputNorm = inputNorm;
        this.qkv = qkv;
        this.output = output;
        this.postAttentionNorm = postAttentionNorm;
        this.gateUp = gateUp;
        this.down = down;
        this.heads = config.numHeads();
        this.kvHeads = config.numKvHeads();
        this.headDim = config.headDim();
    }

    /**
     * Runs the block.
     *
     * @param x (B, T, hidden) residual stream
     * @param step per-forward state shared by all layers (angles, mask, cache)
     * @return (B, T, hidden)
     */
    NDArray forward(NDArray x, ForwardStep step) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        int group = heads / kvHeads;

        NDArray h = Ops.rmsNorm(x, inputNorm.getArray(), step.eps, step.minusHalf);
        NDArray qkvOut = qkv.apply(h, step.training, step.kernel).reshape(b, t, heads + 2L * kvHeads, headDim);
        NDList qkAndV = qkvOut.split(new long[] {heads + kvHeads}, 2);
        // q is pre-scaled by 1/sqrt(headDim) through the per-head angles
        NDArray qk = step.rope.apply(qkAndV.get(0), step.cos, step.sin); // (B, T, heads + kvHeads, headDim)
        NDList qAndK = qk.split(new long[] {heads}, 2);
        NDArray q = qAndK.get(0); // (B, T, heads, headDim)
        NDArray k = qAndK.get(1).transpose(0, 2, 1, 3); // (B, kvHeads, T, headDim)
        NDArray v = qkAndV.get(1).transpose(0, 2, 1, 3); // (B, kvHeads, T, headDim)

        NDArray keys = k;
        NDArray values = v;
        if (step.cache != null) {
            NDArray[] kv = step.cache.write(index, k, v);
            keys = kv[0];
            values = kv[1];
        }
        long s = keys.getShape().get(2);

        NDArray attended;
        if (t == 1) {
            NDArray qg = q.reshape(b, kvHeads, group, headDim);
            NDArray scores = qg.matMul(keys.transpose(0, 1, 3, 2)); // (B, kvHeads, group, S)
            if (step.mask != null) {
                scores = scores.add(step.mask); // (B, 1, 1, S)
            }
            attended = scores.softmax(-1).matMul(values).reshape(b, 1, (long) heads * headDim);
        } else {
            NDArray qg = q.reshape(b, t, kvHeads, group, headDim).transpose(0, 2, 3, 1, 4)
                    .reshape(b, kvHeads, group * t, headDim);
            NDArray scores = qg.matMul(keys.transpose(0, 1, 3, 2)).reshape(b, kvHeads, group, t, s);
            scores = scores.add(step.mask); // (B, 1, 1, T, S)
            NDArray probs = scores.softmax(-1).reshape(b, kvHeads, group * t, s);
            attended = probs.matMul(values).reshape(b, kvHeads, group, t, headDim).transpose(0, 3, 1, 2, 4)
                    .reshape(b, t, (long) heads * headDim);
        }
        NDArray afterAttention = x.add(output.apply(attended, step.training, step.kernel));

        NDArray h2 = Ops.rmsNorm(afterAttention, postAttentionNorm.getArray(), step.eps, step.minusHalf);
        NDList gu = gateUp.apply(h2, step.training, step.kernel).split(2, 2);
        NDArray mlp = down.apply(Ops.silu(gu.get(0)).mul(gu.get(1)), step.training, step.kernel);
        return afterAttention.add(mlp);
    }
}
