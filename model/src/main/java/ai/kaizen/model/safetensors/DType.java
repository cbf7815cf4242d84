package ai.kaizen.model.safetensors;

import ai.djl.ndarray.types.DataType;

/** The floating-point element types a safetensors file may hold that this engine reads and writes. */
public enum DType {
    /** IEEE single precision. */
    F32(4),
    /** IEEE half precision. */
    F16(2),
    /** bfloat16: the upper half of an F32. DJL cannot hold it, so it is widened in Java. */
    BF16(2);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** @return bytes per element */
    public int bytes() {
        return bytes;
    }

    /** @return the {@code torch_dtype} name used in {@code config.json} */
    public String torchName() {
        switch (this) {
            case F16:
                return "float16";
            case BF16:
                return "bfloat16";
            default:
                return "float32";
        }
    }

    /**
     * Parses a safetensors dtype string.
     *
     * @param name for example {@code "BF16"}
     * @return the dtype, or {@code null} if this engine does not read it
     */
    public static DType parse(String name) {
        switch (name) {
            case "F32":
                return F32;
            case "F16":
                return F16;
            case "BF16":
                return BF16;
            default:
                return null;
        }
    }

    /**
     * The safetensors dtype for a DJL data type.
     *
     * @param dataType FLOAT32 or FLOAT16
     * @return the matching dtype
     */
    public static DType of(DataType dataType) {
        switch (dataType) {
            case FLOAT32:
                return F32;
            case FLOAT16:
                return F16;
            default:
                throw new IllegalArgumentException("No safetensors dtype for " + dataType);
        }
    }
}
