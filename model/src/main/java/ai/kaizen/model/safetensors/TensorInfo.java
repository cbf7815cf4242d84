package ai.kaizen.model.safetensors;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Where one tensor lives: its file, element type, shape and byte range.
 *
 * @param name the tensor name (Hugging Face state-dict key)
 * @param dtypeName the dtype as written in the header (for example {@code "BF16"})
 * @param shape the shape
 * @param file the safetensors file holding it
 * @param begin first byte, relative to the file's data section
 * @param end one past the last byte, relative to the file's data section
 */
public record TensorInfo(String name, String dtypeName, long[] shape, Path file, long begin, long end) {

    /** @return the dtype, or {@code null} if it is not one this engine reads */
    public DType dtype() {
        return DType.parse(dtypeName);
    }

    /** @return the number of elements */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** @return the number of data bytes */
    public long byteLength() {
        return end - begin;
    }

    @Override
    public String toString() {
        return name + " " + dtypeName + Arrays.toString(shape);
    }
}
