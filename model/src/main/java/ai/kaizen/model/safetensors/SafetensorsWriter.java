package ai.kaizen.model.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.kaizen.model.ModelException;
import ai.kaizen.model.config.Json;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes tensors as safetensors files that transformers, vLLM and {@link SafetensorsReader} load.
 *
 * <p>Each file is written to a temporary name and moved into place, so a crash never leaves a
 * half-written checkpoint under the real name. Tensors are converted and written in chunks.
 */
public final class SafetensorsWriter {

    /** Default shard size for {@link #writeCheckpoint}: the same 5 GB transformers uses. */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

    private static final int CHUNK_ELEMENTS = 8 << 20;

    private SafetensorsWriter() {}

    /**
     * Writes one safetensors file.
     *
     * @param file target file (replaced atomically)
     * @param tensors tensors by name, written in this order
     * @param dtype element type to store (F32, F16 or BF16)
     * @param metadata the {@code __metadata__} strings (for example {@code format: pt})
     */
    public static void write(Path file, Map<String, NDArray> tensors, DType dtype, Map<String, String> metadata) {
        JsonObject header = new JsonObject();
        if (metadata != null && !metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            header.add("__metadata__", meta);
        }
        long offset = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            NDArray a = e.getValue();
            long bytes = a.size() * dtype.bytes();
            JsonObject t = new JsonObject();
            t.addProperty("dtype", dtype.name());
            JsonArray shape = new JsonArray();
            for (long d : a.getShape().getShape()) {
                shape.add(d);
            }
            t.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(offset + bytes);
            t.add("data_offsets", offsets);
            header.add(e.getKey(), t);
            offset += bytes;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();

        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, head);
            for (NDArray a : tensors.values()) {
                writeTensor(ch, a, dtype);
            }
        } catch (IOException e) {
            throw new ModelException("Cannot write " + file + ": " + e.getMessage(), e);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new ModelException("Cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes a model checkpoint into a directory: {@code model.safetensors} when it fits in one
     * shard, otherwise {@code model-0000i-of-0000n.safetensors} plus
     * {@code model.safetensors.index.json}. Checkpoint files left from an earlier save in the same
     * directory are removed first, so loaders never mix two checkpoints.
     *
     * @param dir target directory (created if needed)
     * @param tensors tensors by Hugging Face name
     * @param dtype element type to store
     * @param maxShardBytes largest shard size in bytes
     * @return the files written
     */
    public static List<Path> writeCheckpoint(Path dir, Map<String, NDArray> tensors, DType dtype, long maxShardBytes) {
        List<Map<String, NDArray>> shards = new ArrayList<>();
        Map<String, NDArray> current = new LinkedHashMap<>();
        long currentBytes = 0;
        long total = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            long bytes = e.getValue().size() * dtype.bytes();
            if (!current.isEmpty() && currentBytes + bytes > maxShardBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                currentBytes = 0;
            }
            current.put(e.getKey(), e.getValue());
            currentBytes += bytes;
            total += bytes;
        }
        shards.add(current);
        try {
            Files.createDirectories(dir);
            for (Path old : SafetensorsReader.checkpointFiles(dir)) {
                Files.deleteIfExists(old);
            }
        } catch (IOException e) {
            throw new ModelException("Cannot prepare " + dir + ": " + e.getMessage(), e);
        }
        Map<String, String> metadata = Map.of("format", "pt");
        List<Path> written = new ArrayList<>();
        if (shards.size() == 1) {
            Path file = dir.resolve(SafetensorsReader.SINGLE_FILE);
            write(file, shards.get(0), dtype, metadata);
            written.add(file);
            return written;
        }
        JsonObject weightMap = new JsonObject();
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            Path file = dir.resolve(name);
            write(file, shards.get(i), dtype, metadata);
            written.add(file);
            for (String tensor : shards.get(i).keySet()) {
                weightMap.addProperty(tensor, name);
            }
        }
        JsonObject index = new JsonObject();
        JsonObject meta = new JsonObject();
        meta.addProperty("total_size", total);
        index.add("metadata", meta);
        index.add("weight_map", weightMap);
        Path indexFile = dir.resolve(SafetensorsReader.INDEX_FILE);
        Json.write(indexFile, index);
        written.add(indexFile);
        return written;
    }

    private static void writeTensor(FileChannel ch, NDArray array, DType dtype) throws IOException {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray flat = array.reshape(-1);
            long n = flat.size();
            for (long start = 0; start < n; start += CHUNK_ELEMENTS) {
                long end = Math.min(n, start + CHUNK_ELEMENTS);
                NDArray chunk = flat.get(new NDIndex("{}:{}", start, end));
                ByteBuffer bytes;
                switch (dtype) {
                    case F32:
                        bytes = chunk.toType(DataType.FLOAT32, false).toByteBuffer();
                        break;
                    case F16:
                        bytes = chunk.toType(DataType.FLOAT16, false).toByteBuffer();
                        break;
                    default:
                        bytes = narrowToBf16(chunk.toType(DataType.FLOAT32, false).toByteBuffer());
                        break;
                }
                writeFully(ch, bytes);
            }
        }
    }

    private static ByteBuffer narrowToBf16(ByteBuffer f32) {
        FloatBuffer in = f32.order(ByteOrder.nativeOrder()).asFloatBuffer();
        ByteBuffer out = ByteBuffer.allocate(in.remaining() * 2).order(ByteOrder.LITTLE_ENDIAN);
        ShortBuffer s = out.asShortBuffer();
        for (int i = 0; i < in.remaining(); i++) {
            s.put(i, Bf16.fromFloat(in.get(i)));
        }
        return out;
    }

    private static void writeFully(FileChannel ch, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            ch.write(buffer);
        }
    }
}
