package ai.kaizen.model.llama;

/**
 * Which code multiplies the weights during decoding (few rows per step).
 *
 * <ul>
 *   <li>{@link #TORCH}: PyTorch's matrix product (MKL for float32). Uses no extra memory.
 *   <li>{@link #JAVA}: {@link HeapMatrix}, a Java kernel over a transposed copy of the weights on
 *       the heap: about twice as fast for float32 on CPUs where MKL's matrix-vector product is
 *       slow, at the price of a second copy of the weights (the heap must hold them).
 *   <li>{@link #AUTO}: JAVA for float32 weights on the CPU when the heap has room for the copy,
 *       TORCH otherwise (float16 decoding already runs at memory speed in PyTorch).
 * </ul>
 *
 * Prefill, training and any step with more than {@link #MAX_ROWS} rows always use PyTorch.
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
