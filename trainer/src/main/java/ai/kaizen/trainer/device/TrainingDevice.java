package ai.kaizen.trainer.device;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import ai.kaizen.model.llama.ModelOptions;
import java.util.Locale;

/**
 * The device the trainers put their models on ({@code --device cpu|gpu}). One choice per process, set once by the
 * command before training: a trainer process runs one job (DJL allows one gradient tape per JVM), and every model it
 * loads (policy, reference, reward model, critic) must live on the same device. Float32 on both: DJL has no
 * bfloat16, and float16 training without loss scaling is not safe.
 */
public enum TrainingDevice {
    /** The CPU (the default). */
    CPU,
    /** The first CUDA GPU PyTorch sees (the {@code cuda} build profile on a machine with CUDA). */
    GPU;

    private static volatile TrainingDevice current = CPU;

    /**
     * Chooses the device for this process.
     *
     * @param device the device
     * @throws IllegalArgumentException for a GPU when PyTorch sees none, with what to do about it
     */
    public static void use(TrainingDevice device) {
        if (device == GPU && Engine.getInstance().getGpuCount() == 0) {
            throw new IllegalArgumentException("--device gpu: PyTorch sees no CUDA GPU here (build with "
                    + "'mvn -Pcuda package' and run on a machine with CUDA and its driver)");
        }
        current = device;
    }

    /** @return the device chosen for this process */
    public static TrainingDevice current() {
        return current;
    }

    /** @return how trainers load models: float32 on the chosen device */
    public static ModelOptions modelOptions() {
        return new ModelOptions(DataType.FLOAT32, current == GPU ? Device.gpu() : Device.cpu());
    }

    /**
     * @param text {@code cpu} or {@code gpu}, any case
     * @return the device
     */
    public static TrainingDevice parse(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "cpu" -> CPU;
            case "gpu", "cuda" -> GPU;
            default -> throw new IllegalArgumentException("unknown device '" + text + "'; use cpu or gpu");
        };
    }
}
