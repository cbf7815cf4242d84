package ai.kaizen.model.llama;

/**
 * Which code runs decode steps (a few rows per step).
 *
 * <ul>
 *   <li>{@link #TORCH}: the NDArray network ({@link DecoderLayer}) with PyTorch's matrix products
 *       (MKL for float32). No extra memory.
 *   <li>{@link #JAVA}: one-token steps run in {@link JavaDecoder} and every product of a step with
 *       at most {@link #MAX_ROWS} rows runs on a copy of the weights made for it ({@link
 *       DecodeMatrix}): packed in native memory for the hand-vectorised C kernel ({@link
 *       NativeMatrix}) where it loads (Linux x86_64 with AVX2 or AVX-512), transposed on the heap
 *       for a Java loop ({@link HeapMatrix}) elsewhere. On this project's reference CPU (AMD Zen 4,
 *       2 cores) MKL's float32 matrix-vector product streams about 12 GB/s and an NDArray decode
 *       step makes about 40 native calls per layer; the native kernel streams at the memory
 *       bandwidth (about 30 GB/s), the Java loop at 17 to 21 GB/s, and a step makes a few calls
 *       per product. The price is a second copy of the weights and of the KV cache.
 *   <li>{@link #AUTO}: JAVA on the CPU where the native kernel loads (float32 and float16 weights,
 *       float16 kept as float16); without it, JAVA for float32 weights when the heap has room for
 *       the copy, TORCH otherwise.
 * </ul>
 *
 * Where the native kernels load, JAVA and AUTO run prefills in {@link JavaDecoder} too, every prompt token a row
 * of the products. Prefills without the native kernels, training, other steps with more than {@link #MAX_ROWS}
 * rows, trainable base weights and steps with unmerged adapters use the NDArray network.
 */
public enum DecodeKernel {
    /** Choose by dtype, device and free heap. */
    AUTO,
    /** The decode copies of the weights: native kernel where it loads, Java otherwise. */
    JAVA,
    /** PyTorch. */
    TORCH;

    /** Most rows (batch x new tokens) a step may have to use the Java kernel. */
    public static final int MAX_ROWS = 16;
}
