package ai.kaizen.model.llama;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The native decode kernels ({@code model/src/main/c}): packed weight matrices in native memory
 * and their product with a few input rows, vectorised by hand for AVX-512 or AVX2 and register
 * blocked, so that a batch of 8 rows costs little more than one; and a decode step's attention
 * over the Java key/value arrays and the MLP's activation, with glibc's vector exp.
 *
 * <p>Why native code: a decode step streams every weight once, and at batch 8 it also does eight
 * multiply-adds per weight. The JIT's auto-vectorised Java loop ({@link HeapMatrix}) reaches 0.6
 * to 0.7 of the memory bandwidth at batch 1 and at most about 24 G multiply-adds per second per
 * core at batch 8 (it cannot keep a block of accumulators in registers); the C loop streams at
 * the bandwidth and keeps 16 accumulators in registers. JDK 17's Vector API could express the
 * same, but only with {@code --add-modules jdk.incubator.vector} on every java command line.
 *
 * <p>The library is in the jar for Linux x86_64 (built by {@code src/main/c/build.sh}). It is
 * copied to a temporary file, loaded, and the file deleted (the mapping stays). Where it is
 * missing, cannot load, or the CPU lacks AVX2, {@link #available()} is false and the Java kernel
 * runs; so does it with {@code -Dkaizen.native-kernels=false}.
 */
final class NativeKernels {

    /** System property: {@code false} keeps the Java kernel. */
    static final String PROPERTY = "kaizen.native-kernels";

    private static final Logger LOG = LoggerFactory.getLogger(NativeKernels.class);
    private static final String LIBRARY = "/native/linux-x86_64/libkaizen-kernels.so";
    private static final String STATUS = load();

    static {
        LOG.info("decode kernels: {}", STATUS);
    }

    private NativeKernels() {}

    /** @return whether native matrices can be made */
    static boolean available() {
        return STATUS.startsWith("native");
    }

    /** @return which kernel multiplies decode steps and why, e.g. "native AVX-512" */
    static String description() {
        return STATUS;
    }

    private static String load() {
        if ("false".equalsIgnoreCase(System.getProperty(PROPERTY))) {
            return "java (native kernels disabled by -D" + PROPERTY + "=false)";
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return "java (no native kernels for " + os + " " + arch + ")";
        }
        try (InputStream in = NativeKernels.class.getResourceAsStream(LIBRARY)) {
            if (in == null) {
                return "java (the jar has no native kernels: built without gcc?)";
            }
            Path file = Files.createTempFile("kaizen-kernels", ".so");
            try {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                System.load(file.toString());
            } finally {
                Files.deleteIfExists(file);
            }
            switch (instructionSet()) {
                case 2:
                    return "native AVX-512";
                case 1:
                    return "native AVX2";
                default:
                    return "java (the CPU has neither AVX-512 nor AVX2 with FMA and F16C)";
            }
        } catch (IOException | UnsatisfiedLinkError | SecurityException e) {
            LOG.warn("native decode kernels unavailable, the Java kernel runs: {}", e.toString());
            return "java (native kernels failed to load: " + e.getMessage() + ")";
        }
    }

    /** @return 2 for AVX-512, 1 for AVX2, 0 when the CPU has neither */
    private static native int instructionSet();

    /** Weight formats of {@link #allocate} (kernels.h's KZ_F32, KZ_F16, KZ_Q8). */
    static final int FLOAT32 = 0;
    static final int FLOAT16 = 1;
    static final int INT8 = 2;

    /**
     * @param format {@link #FLOAT32}, {@link #FLOAT16} or {@link #INT8} (blocks of {@link Int8Blocks#BLOCK}
     *     inputs with a float16 scale each)
     * @return the matrix's handle, or 0 when the memory cannot be had; its weights are zero
     */
    static native long allocate(int in, int out, int format);

    /** Frees a matrix; the handle must not be used again. */
    static native void release(long handle);

    /** Writes weight rows {@code [first, first + count)}, given row-major {@code (count, in)}. */
    static native void packFloats(long handle, int first, float[] rows, int count);

    /** As {@link #packFloats}, for float16 bits (kept as float16). */
    static native void packHalves(long handle, int first, short[] rows, int count);

    /**
     * As {@link #packFloats}, for an int8 matrix: weights quantised by {@link Int8Blocks}.
     *
     * @param q the rows' int8 weights, row-major {@code (count, in)}
     * @param scales their float16 scales, {@code (count, blocks)}
     */
    static native void packInt8(long handle, int first, byte[] q, short[] scales, int count);

    /**
     * {@code y = x W^T} for the outputs of panels {@code [from, to)} (32 outputs each).
     *
     * @param x (rows, in) row-major
     * @param y (rows, out) row-major
     */
    static native void multiply(long handle, float[] x, int rows, float[] y, int from, int to);

    /**
     * One decode step's attention for the query heads of key/value heads {@code [kvFrom, kvTo)} of
     * one row, over the Java key/value arrays of a layer (layout: {@link KvCache#javaKeys},
     * {@link KvCache#javaValues}).
     *
     * @param qkv the step's fused query/key/value activations; the row's queries start at qkvOffset
     * @param out the attention output; the row's starts at outOffset (heads x headDim)
     * @param real per position whether it is a real token, or null when no row is padded
     * @param column the new position (always attended)
     */
    static native void attend(float[] keys, float[] values, int capacity, float[] qkv, int qkvOffset, float[] out,
            int outOffset, boolean[] real, int row, int kvFrom, int kvTo, int heads, int kvHeads, int headDim,
            int keysSeen, int column, float scale);

    /**
     * The MLP's activation of one row, {@code out[row][i] = silu(gate[i]) * up[i]} for columns
     * {@code [from, to)}, where {@code gateUp[row]} holds the gates then the ups ({@code 2 inter}).
     */
    static native void siluMul(float[] gateUp, float[] out, int inter, int row, int from, int to);

    /** {@code out[offset + i] = W[o][i]} for every input {@code i}, widened to float32. */
    static native void row(long handle, int o, float[] out, int offset);

    /**
     * @param floats buffer size
     * @return the bandwidth probe's buffer of ones, on the weights' kind of memory, or 0 when the
     *     memory cannot be had
     */
    static native long allocateProbe(long floats);

    /** @return the sum of the probe buffer's floats {@code [from, to)}, read with vector loads */
    static native float sumProbe(long handle, long from, long to);

    /** Frees a probe buffer. */
    static native void releaseProbe(long handle);
}
