package ai.kaizen.model.llama;

/**
 * Which code runs decode steps (a few rows per step).
 *
 * <ul>
 *   <li>{@link #TORCH}: the NDArray network ({@link DecoderLayer}) with PyTorch's matrix products
 *       (MKL for float32). No extra memory.
 *   <li>{@link #JAVA}: one-token steps run in {@link JavaDecoder} and every product of a step with
 *       at most {@link #MAX_ROWS} rows runs in {@link HeapMatrix}, Java code over a transposed copy
 *       of the weights on the heap. On this project's reference CPU (AMD Zen 4, 2 cores) MKL's
 *       float32 matrix-vector product streams about 12 GB/s and an NDArray decode step makes
 *       about 40 native calls per layer; the Java path streams about 17 to 21 GB/s and makes three
 *       calls per step. The price is a second copy of the weights (the heap must hold them) and a
 *       second copy of the KV cache in Java arrays.
 *   <li>{@link #AUTO}: JAVA for float32 weights on the CPU when the heap has room for the copy,
 *       TORCH otherwise (float16 matrix-vector products already run at memory speed in PyTorch).
 * </ul>
 *
 * Prefill, training, steps with more than {@link #MAX_ROWS} rows, trainable base weights and
 * steps with unmerged adapters always use the NDArray network.
 */
public enum DecodeKernel {
    /** Choose by dtype, device and free heap. */
    AUTO,
    /** Java kernel on a heap copy. */
    JAVA,
    /** PyTorch. */
    TORCH;

    /** Most rows (batch x new tokens) a step may have to use the Java kernel. */
    public static final int MAX_ROWS = 16;
}
