package ai.kaizen.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Arrays whose memory PyTorch owns.
 *
 * <p>DJL's {@code manager.create(float[])} (and every {@code array.mul(2f)}-style scalar operation,
 * which creates its scalar that way) wraps a Java direct buffer without copying it; the buffer is
 * freed by the garbage collector once the Java array object is closed and unreachable. Autograd
 * may still hold the tensor for the backward pass, and then reads freed memory: gradients turned
 * to NaN whenever a collection ran between forward and backward. Everything that can take part
 * in a differentiable computation is therefore made here, in memory PyTorch allocates.
 */
public final class NativeArrays {

    private NativeArrays() {}

    /**
     * A copy of Java data in native memory.
     *
     * @param manager owner
     * @param data values, row-major
     * @param shape shape
     * @param dataType element type of the result
     * @return the array
     */
    public static NDArray copyOf(NDManager manager, float[] data, Shape shape, DataType dataType) {
        NDArray target = manager.create(shape, dataType);
        try (NDManager tmp = manager.newSubManager()) {
            NDArray source = tmp.create(data, shape).toType(dataType, false);
            target.set(new NDIndex("..."), source);
        }
        return target;
    }

    /**
     * A native copy of an array (for example ids that autograd will save).
     *
     * @param array the array
     * @return the copy, attached to the array's manager
     */
    public static NDArray copyOf(NDArray array) {
        NDArray target = array.getManager().create(array.getShape(), array.getDataType());
        target.set(new NDIndex("..."), array);
        return target;
    }

    /**
     * A scalar in native memory, to use instead of {@code array.mul(number)} in differentiable code.
     *
     * @param manager owner
     * @param value the value
     * @param dataType element type
     * @return a 0-dimensional array
     */
    public static NDArray scalar(NDManager manager, double value, DataType dataType) {
        return manager.full(new Shape(), (float) value, dataType);
    }
}
