package ai.kaizen.model.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.util.Float16Utils;
import ai.kaizen.model.ModelException;
import ai.kaizen.model.UnsupportedModelException;
import ai.kaizen.model.config.Json;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads the tensors of a Hugging Face checkpoint: a single {@code model.safetensors}, shards listed
 * by {@code model.safetensors.index.json}, or any explicit list of safetensors files.
 *
 * <p>Tensors are copied into NDArrays chunk by chunk from memory-mapped regions, converting F16
 * and BF16 on the way (BF16 is widened in Java), so neither the file nor the tensor size is
 * limited to 2 GiB and no more than one chunk is held in Java memory. The reader keeps no
 * mapping alive after a read: the checkpoint can be overwritten once the model is loaded.
 */
public final class SafetensorsReader implements AutoCloseable {

    /** Name of the single-file checkpoint. */
    public static final String SINGLE_FILE = "model.safetensors";

    /** Name of the shard index. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    /** Elements copied per chunk: 32 MiB of F32. */
    private static final int CHUNK_ELEMENTS = 8 << 20;

    private final List<SafetensorsFile> files;
    private final Map<String, TensorInfo> tensors;
    private final Map<Path, SafetensorsFile> byPath;

    private SafetensorsReader(List<SafetensorsFile> files) {
        this.files = files;
        Map<String, TensorInfo> all = new LinkedHashMap<>();
        Map<Path, SafetensorsFile> paths = new LinkedHashMap<>();
        for (SafetensorsFile f : files) {
            paths.put(f.path(), f);
            for (TensorInfo t : f.tensors().values()) {
                if (all.put(t.name(), t) != null) {
                    throw new ModelException("Tensor " + t.name() + " appears in more than one file");
                }
            }
        }
        this.tensors = Collections.unmodifiableMap(all);
        this.byPath = paths;
    }

    /**
     * Opens the weights of a model directory, or one safetensors file.
     *
     * <p>In a directory, {@code model.safetensors.index.json} wins over {@code model.safetensors}
     * (as in transformers).
     *
     * @param path a model directory or a {@code .safetensors} file
     * @return the reader
     * @throws ModelException if no weights are found or a file is malformed
     */
    public static SafetensorsReader open(Path path) {
        if (!Files.exists(path)) {
            throw new ModelException("No such model directory or file: " + path);
        }
        if (!Files.isDirectory(path)) {
            return openFiles(List.of(path));
        }
        Path index = path.resolve(INDEX_FILE);
        if (Files.exists(index)) {
            JsonObject root = Json.readObject(index);
            if (!root.has("weight_map") || !root.get("weight_map").isJsonObject()) {
                throw new ModelException(index + " has no weight_map");
            }
            List<Path> shards = new ArrayList<>();
            for (Map.Entry<String, JsonElement> e : root.getAsJsonObject("weight_map").entrySet()) {
                Path shard = path.resolve(e.getValue().getAsString());
                if (!shards.contains(shard)) {
                    shards.add(shard);
                }
            }
            SafetensorsReader reader = openFiles(shards);
            for (String name : root.getAsJsonObject("weight_map").keySet()) {
                if (!reader.contains(name)) {
                    reader.close();
                    throw new ModelException(index + " lists " + name + " but no shard holds it");
                }
            }
            return reader;
        }
        Path single = path.resolve(SINGLE_FILE);
        if (Files.exists(single)) {
            return openFiles(List.of(single));
        }
        if (Files.exists(path.resolve("pytorch_model.bin")) || Files.exists(path.resolve("pytorch_model.bin.index.json"))) {
            throw new UnsupportedModelException("Unsupported weights format in " + path
                    + ": pytorch_model.bin (pickle); convert the checkpoint to safetensors");
        }
        throw new ModelException("No " + SINGLE_FILE + " or " + INDEX_FILE + " in " + path);
    }

    /**
     * Opens an explicit list of safetensors files as one checkpoint.
     *
     * @param paths the files
     * @return the reader
     */
    public static SafetensorsReader openFiles(List<Path> paths) {
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            for (Path p : paths) {
                opened.add(SafetensorsFile.open(p));
            }
            return new SafetensorsReader(opened);
        } catch (RuntimeException e) {
            opened.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    /**
     * Lists the safetensors files of a directory that belong to a checkpoint written by
     * {@link SafetensorsWriter} or transformers (single file, shards, index).
     *
     * @param dir the directory
     * @return the matching files, possibly empty
     * @throws IOException if the directory cannot be listed
     */
    static List<Path> checkpointFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return n.equals(SINGLE_FILE) || n.equals(INDEX_FILE)
                        || n.matches("model-\\d{5}-of-\\d{5}\\.safetensors");
            }).sorted().collect(Collectors.toList());
        }
    }

    /** @return the names of all tensors, in file order */
    public Set<String> names() {
        return tensors.keySet();
    }

    /**
     * @param name a tensor name
     * @return whether the checkpoint holds it
     */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /**
     * @param name a tensor name
     * @return where the tensor lives
     * @throws ModelException if the checkpoint lacks it
     */
    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new ModelException("Checkpoint lacks tensor " + name);
        }
        return t;
    }

    /** @return the {@code __metadata__} of the first file */
    public Map<String, String> metadata() {
        return files.isEmpty() ? Map.of() : files.get(0).metadata();
    }

    /**
     * Reads a tensor into a new NDArray.
     *
     * @param name the tensor name
     * @param manager the manager that will own the array
     * @param dataType FLOAT32 or FLOAT16
     * @return the array, with the tensor's shape
     */
    public NDArray read(String name, NDManager manager, DataType dataType) {
        TensorInfo t = info(name);
        NDArray target = manager.create(new Shape(t.shape()), dataType);
        try {
            readInto(name, target, 0);
        } catch (RuntimeException e) {
            target.close();
            throw e;
        }
        return target;
    }

    /**
     * Copies a tensor into part of an existing contiguous array: its elements land at flat
     * positions {@code [elementOffset, elementOffset + size)}. This is how fused weights (q/k/v,
     * gate/up) are assembled without an intermediate copy.
     *
     * @param name the tensor name
     * @param target a contiguous FLOAT32 or FLOAT16 array
     * @param elementOffset the flat position of the first element
     */
    public void readInto(String name, NDArray target, long elementOffset) {
        TensorInfo t = info(name);
        DType src = requireSupported(t);
        long n = t.elementCount();
        if (elementOffset < 0 || elementOffset + n > target.size()) {
            throw new ModelException("Tensor " + t + " does not fit the target " + target.getShape() + " at " + elementOffset);
        }
        SafetensorsFile file = byPath.get(t.file());
        DataType dst = target.getDataType();
        try (NDManager tmp = target.getManager().newSubManager()) {
            NDArray flat = target.reshape(-1);
            flat.attach(tmp);
            for (long start = 0; start < n; start += CHUNK_ELEMENTS) {
                int count = (int) Math.min(CHUNK_ELEMENTS, n - start);
                ByteBuffer raw = file.map(t, start * src.bytes(), count * src.bytes());
                NDArray chunk;
                switch (src) {
                    case F32:
                        chunk = tmp.create(raw, new Shape(count), DataType.FLOAT32);
                        break;
                    case F16:
                        chunk = tmp.create(raw, new Shape(count), DataType.FLOAT16);
                        break;
                    default:
                        chunk = tmp.create(widenBf16(raw, count), new Shape(count), DataType.FLOAT32);
                        break;
                }
                if (chunk.getDataType() != dst) {
                    chunk = chunk.toType(dst, false);
                }
                long at = elementOffset + start;
                flat.set(new NDIndex("{}:{}", at, at + count), chunk);
            }
        }
    }

    /**
     * Reads a tensor into a Java array, widening F16 and BF16 (for small tensors and tests).
     *
     * @param name the tensor name
     * @return the elements in row-major order
     */
    public float[] readFloats(String name) {
        TensorInfo t = info(name);
        DType src = requireSupported(t);
        long n = t.elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new ModelException("Tensor " + t + " is too large for a Java array");
        }
        float[] out = new float[(int) n];
        SafetensorsFile file = byPath.get(t.file());
        for (long start = 0; start < n; start += CHUNK_ELEMENTS) {
            int count = (int) Math.min(CHUNK_ELEMENTS, n - start);
            ByteBuffer raw = file.map(t, start * src.bytes(), count * src.bytes());
            switch (src) {
                case F32:
                    raw.asFloatBuffer().get(out, (int) start, count);
                    break;
                case F16: {
                    ShortBuffer s = raw.asShortBuffer();
                    for (int i = 0; i < count; i++) {
                        out[(int) start + i] = Float16Utils.halfToFloat(s.get(i));
                    }
                    break;
                }
                default: {
                    ShortBuffer s = raw.asShortBuffer();
                    for (int i = 0; i < count; i++) {
                        out[(int) start + i] = Bf16.toFloat(s.get(i));
                    }
                    break;
                }
            }
        }
        return out;
    }

    private static DType requireSupported(TensorInfo t) {
        DType d = t.dtype();
        if (d == null) {
            throw new UnsupportedModelException("Unsupported dtype " + t.dtypeName() + " of tensor " + t.name()
                    + " in " + t.file() + " (supported: F32, F16, BF16)");
        }
        return d;
    }

    /** Widens {@code count} little-endian bfloat16 values to a direct buffer of floats. */
    private static ByteBuffer widenBf16(ByteBuffer raw, int count) {
        ShortBuffer in = raw.order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        ByteBuffer out = ByteBuffer.allocateDirect(count * 4).order(ByteOrder.nativeOrder());
        FloatBuffer f = out.asFloatBuffer();
        for (int i = 0; i < count; i++) {
            f.put(i, Float.intBitsToFloat((in.get(i) & 0xffff) << 16));
        }
        return out;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
