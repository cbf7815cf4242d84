package ai.kaizen.model.safetensors;

import ai.kaizen.model.ModelException;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One safetensors file, opened for memory-mapped reading.
 *
 * <p>Only the header is read eagerly; tensor data is mapped on demand, one region at a time, so
 * files (and tensors) larger than 2 GiB work: a single {@code MappedByteBuffer} cannot exceed
 * 2 GiB, which is also why DJL's {@code NDList.decode} fails on such files.
 */
final class SafetensorsFile implements AutoCloseable {

    /** A sane bound on the JSON header; real headers are a few hundred KiB at most. */
    private static final long MAX_HEADER_BYTES = 100L << 20;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /**
     * Opens a file and parses its header.
     *
     * @param path the {@code .safetensors} file
     * @return the opened file
     * @throws ModelException if the file is missing or not a valid safetensors file
     */
    static SafetensorsFile open(Path path) {
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new ModelException("Missing weights file " + path);
        } catch (IOException e) {
            throw new ModelException("Cannot open " + path + ": " + e.getMessage(), e);
        }
        try {
            long size = channel.size();
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, len, 0);
            long headerLength = len.getLong(0);
            if (size < 8 || headerLength <= 0 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) {
                throw new ModelException(path + " is not a safetensors file (bad header length " + headerLength + ")");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(channel, header, 8);
            String json = new String(header.array(), StandardCharsets.UTF_8).trim();
            JsonObject root;
            try {
                root = JsonParser.parseString(json).getAsJsonObject();
            } catch (RuntimeException e) {
                throw new ModelException(path + " has a malformed safetensors header: " + e.getMessage(), e);
            }
            long dataStart = 8 + headerLength;
            long dataSize = size - dataStart;
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : root.entrySet()) {
                if ("__metadata__".equals(e.getKey())) {
                    for (Map.Entry<String, JsonElement> m : e.getValue().getAsJsonObject().entrySet()) {
                        metadata.put(m.getKey(), m.getValue().getAsString());
                    }
                    continue;
                }
                JsonObject t = e.getValue().getAsJsonObject();
                JsonArray shapeJson = t.getAsJsonArray("shape");
                long[] shape = new long[shapeJson.size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = shapeJson.get(i).getAsLong();
                }
                JsonArray offsets = t.getAsJsonArray("data_offsets");
                long begin = offsets.get(0).getAsLong();
                long end = offsets.get(1).getAsLong();
                TensorInfo info = new TensorInfo(e.getKey(), t.get("dtype").getAsString(), shape, path, begin, end);
                if (begin < 0 || end < begin || end > dataSize) {
                    throw new ModelException(path + ": tensor " + e.getKey() + " lies outside the file");
                }
                DType dtype = info.dtype();
                if (dtype != null && info.elementCount() * dtype.bytes() != info.byteLength()) {
                    throw new ModelException(path + ": tensor " + info + " has " + info.byteLength()
                            + " bytes, expected " + info.elementCount() * dtype.bytes());
                }
                tensors.put(e.getKey(), info);
            }
            return new SafetensorsFile(path, channel, dataStart, Collections.unmodifiableMap(tensors),
                    Collections.unmodifiableMap(metadata));
        } catch (IOException e) {
            closeQuietly(channel);
            throw new ModelException("Cannot read " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long pos = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // already failing
        }
    }

    Path path() {
        return path;
    }

    Map<String, TensorInfo> tensors() {
        return tensors;
    }

    Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Maps part of a tensor's data read-only.
     *
     * @param tensor the tensor (must belong to this file)
     * @param byteOffset offset within the tensor's data
     * @param byteLength number of bytes, at most {@link Integer#MAX_VALUE}
     * @return a little-endian buffer over the region
     */
    ByteBuffer map(TensorInfo tensor, long byteOffset, int byteLength) {
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + tensor.begin() + byteOffset, byteLength)
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new ModelException("Cannot map " + tensor.name() + " from " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }
}
