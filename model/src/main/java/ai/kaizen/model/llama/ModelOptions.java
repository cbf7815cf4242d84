package ai.kaizen.model.llama;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

/**
 * How to hold a model in memory.
 *
 * @param dataType FLOAT32 (default, needed for training on CPU) or FLOAT16 (half the memory;
 *     batch-1 decode on CPU runs at memory speed)
 * @param device where the weights live ({@link Device#cpu()} by default)
 * @param decodeKernel which code multiplies weights while decoding
 */
public record ModelOptions(DataType dataType, Device device, DecodeKernel decodeKernel) {

    /** Float32 on the CPU, decode kernel chosen automatically. */
    public static final ModelOptions DEFAULT = new ModelOptions(DataType.FLOAT32, Device.cpu(), DecodeKernel.AUTO);

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
     */
    public ModelOptions(DataType dataType, Device device) {
        this(dataType, device, DecodeKernel.AUTO);
    }

    /** @param dataType FLOAT32 or FLOAT16 @return options for that type on the CPU */
    public static ModelOptions of(DataType dataType) {
        return new ModelOptions(dataType, Device.cpu(), DecodeKernel.AUTO);
    }

    /** @param kernel the decode kernel @return a copy using it */
    public ModelOptions withDecodeKernel(DecodeKernel kernel) {
        return new ModelOptions(dataType, device, kernel);
    }
}
