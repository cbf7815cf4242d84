package ai.kaizen.trainer.online;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Token sequences of different lengths as one right-padded batch. The model derives positions
 * from the mask, so rows of any length share a batch.
 *
 * @param ids (B, T) int64 token ids, 0 after each row's end
 * @param mask (B, T) int64, 1 for real tokens
 * @param width T, the longest row
 */
public record PaddedBatch(NDArray ids, NDArray mask, int width) {

    /**
     * @param rows token sequences
     * @param manager where the arrays live
     * @return the rows right-padded to the longest
     */
    public static PaddedBatch of(List<int[]> rows, NDManager manager) {
        int width = 0;
        for (int[] r : rows) {
            width = Math.max(width, r.length);
        }
        long[] ids = new long[rows.size() * width];
        long[] mask = new long[ids.length];
        for (int b = 0; b < rows.size(); b++) {
            int[] r = rows.get(b);
            for (int t = 0; t < r.length; t++) {
                ids[b * width + t] = r[t];
                mask[b * width + t] = 1;
            }
        }
        Shape shape = new Shape(rows.size(), width);
        return new PaddedBatch(manager.create(ids, shape), manager.create(mask, shape), width);
    }

    /** @return a (B, T) float32 array that is native memory (safe to enter the autograd graph) */
    public static NDArray floats(NDManager manager, float[] values, int rows, int width) {
        return ai.kaizen.model.llama.NativeArrays.copyOf(manager, values, new Shape(rows, width), DataType.FLOAT32);
    }
}
