package ai.kaizen.model.llama;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * How to hold a model in memory.
 *
 * @param dataType FLOAT32 (default, needed for training on CPU) or FLOAT16 (half the memory;
 *     batch-1 decode on CPU runs at memory speed)
 * @param device where the weights live ({@link Device#cpu()} by default)
 * @param decodeKernel which code multiplies weights while decoding
 * @param int8Decode whether the decode copies of the weight matrices ({@link DecodeMatrix}) are
 *     quantised to int8 in blocks of 32 with a float16 scale each (llama.cpp's Q8_0): a bit over a
 *     quarter of float32's bytes per step. Prefill, training and PyTorch decode steps keep using the
 *     {@code dataType} weights.
 */
public record ModelOptions(DataType dataType, Device device, DecodeKernel decodeKernel, boolean int8Decode) {

    /** Float32 on the CPU, decode kernel chosen automatically. */
    public static final ModelOptions DEFAULT = new ModelOptions(DataType.FLOAT32, Device.cpu(), DecodeKernel.AUTO);

    /** The weight types {@link #ofDtype} accepts, as users name them. */
    public static final String DTYPES = "float32, float16 or int8";

    /** Validates the data type. */
    public ModelOptions {
        if (dataType != DataType.FLOAT32 && dataType != DataType.FLOAT16) {
            throw new IllegalArgumentException("Model weights must be FLOAT32 or FLOAT16, not " + dataType);
        }
        if (device == null) {
            device = Device.cpu();
        }
        if (decodeKernel == null) {
            decodeKernel = DecodeKernel.AUTO;
        }
    }

    /**
     * @param dataType FLOAT32 or FLOAT16
     * @param device the device
     * @param decodeKernel the decode kernel
     */
    public ModelOptions(DataType dataType, Device device, DecodeKernel decodeKernel) {
        this(dataType, device, decodeKernel, false);
    }

    /**
     * @param dataType FLOAT32 or FLOAT16
     * @param device the device
     */
    public ModelOptions(DataType dataType, Device device) {
        this(dataType, device, DecodeKernel.AUTO);
    }

    /** @param dataType FLOAT32 or FLOAT16 @return options for that type on the CPU */
    public static ModelOptions of(DataType dataType) {
        return new ModelOptions(dataType, Device.cpu(), DecodeKernel.AUTO);
    }

    /**
     * Options for a weight type as users name it: {@code float32} ({@code f32}), {@code float16}
     * ({@code f16}), or {@code int8} ({@code q8_0}: float32 weights, int8 decode copies), on the CPU.
     *
     * @param dtype the name
     * @return the options
     * @throws IllegalArgumentException for any other name
     */
    public static ModelOptions ofDtype(String dtype) {
        switch (dtype == null ? "" : dtype.trim().toLowerCase(Locale.ROOT)) {
            case "float32":
            case "f32":
                return of(DataType.FLOAT32);
            case "float16":
            case "f16":
                return of(DataType.FLOAT16);
            case "int8":
            case "q8_0":
                return new ModelOptions(DataType.FLOAT32, Device.cpu(), DecodeKernel.AUTO, true);
            default:
                throw new IllegalArgumentException("the weight type must be " + DTYPES + ", not '" + dtype + "'");
        }
    }

    /** @return the weight type as {@link #ofDtype} names it: {@code int8}, {@code float16} or {@code float32} */
    public String dtypeName() {
        return int8Decode ? "int8" : dataType.name().toLowerCase(Locale.ROOT);
    }

    /** @param kernel the decode kernel @return a copy using it */
    public ModelOptions withDecodeKernel(DecodeKernel kernel) {
        return new ModelOptions(dataType, device, kernel, int8Decode);
    }

    /** @param int8 whether decode copies are int8 @return a copy with that choice */
    public ModelOptions withInt8Decode(boolean int8) {
        return new ModelOptions(dataType, device, decodeKernel, int8);
    }
}
