package ai.kaizen.model.config;

import ai.kaizen.model.ModelException;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Small helpers over Gson for the Hugging Face JSON files (config, tokenizer config, index). */
public final class Json {

    /** Pretty printer used for every JSON file the engine writes. */
    public static final Gson PRETTY =
            new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create();

    private Json() {}

    /**
     * Reads a JSON object from a file.
     *
     * @param file the file
     * @return the parsed object
     * @throws ModelException if the file is missing or is not a JSON object
     */
    public static JsonObject readObject(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ModelException("Missing file " + file);
        } catch (IOException e) {
            throw new ModelException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        return parseObject(text, file.toString());
    }

    /**
     * Parses a JSON object.
     *
     * @param text JSON text
     * @param source where the text came from, for error messages
     * @return the parsed object
     */
    public static JsonObject parseObject(String text, String source) {
        try {
            JsonElement element = JsonParser.parseString(text);
            if (!element.isJsonObject()) {
                throw new ModelException(source + " is not a JSON object");
            }
            return element.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new ModelException(source + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Writes a JSON element, pretty printed, replacing the file atomically.
     *
     * @param file target file
     * @param element content
     */
    public static void write(Path file, JsonElement element) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, PRETTY.toJson(element) + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new ModelException("Cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static boolean isPresent(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull();
    }

    static String string(JsonObject o, String key, String fallback) {
        return isPresent(o, key) ? o.get(key).getAsString() : fallback;
    }

    static Integer integer(JsonObject o, String key) {
        return isPresent(o, key) && o.get(key).isJsonPrimitive() ? o.get(key).getAsInt() : null;
    }

    static Double number(JsonObject o, String key) {
        return isPresent(o, key) && o.get(key).isJsonPrimitive() ? o.get(key).getAsDouble() : null;
    }

    static Boolean bool(JsonObject o, String key) {
        return isPresent(o, key) && o.get(key).isJsonPrimitive() ? o.get(key).getAsBoolean() : null;
    }

    /** An int or a list of ints (as {@code eos_token_id} may be); empty when absent. */
    static List<Integer> intList(JsonObject o, String key) {
        List<Integer> out = new ArrayList<>();
        if (!isPresent(o, key)) {
            return out;
        }
        JsonElement e = o.get(key);
        if (e.isJsonArray()) {
            JsonArray a = e.getAsJsonArray();
            for (JsonElement x : a) {
                out.add(x.getAsInt());
            }
        } else {
            out.add(e.getAsInt());
        }
        return out;
    }
}
