package ai.kaizen.model.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.kaizen.model.ModelException;
import ai.kaizen.model.config.Json;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's tokenizer: DJL's Hugging Face tokenizer over the local {@code tokenizer.json}, plus the
 * special tokens and chat template of {@code tokenizer_config.json}.
 *
 * <p>{@link #encode(String)} follows {@code tokenizer.json} exactly: the post-processor decides
 * whether BOS is added. Nothing is truncated or padded. Decoding skips special tokens by default
 * and applies no clean-up of spaces, so incremental (streamed) decoding and whole decoding agree.
 *
 * <p>Instances are thread-safe (the native tokenizer is immutable).
 */
public final class Tokenizer implements AutoCloseable {

    private final HuggingFaceTokenizer tokenizer;
    private final SpecialTokens specialTokens;
    private final ChatTemplate chatTemplate;
    private final Map<String, Integer> addedTokens;

    private Tokenizer(HuggingFaceTokenizer tokenizer, SpecialTokens specialTokens, ChatTemplate chatTemplate,
            Map<String, Integer> addedTokens) {
        this.tokenizer = tokenizer;
        this.specialTokens = specialTokens;
        this.chatTemplate = chatTemplate;
        this.addedTokens = addedTokens;
    }

    /**
     * Loads {@code tokenizer.json} and (when present) {@code tokenizer_config.json} and the chat
     * template from a model directory. The template is looked up in {@code chat_template.jinja},
     * then {@code chat_template.json}, then {@code tokenizer_config.json}'s {@code chat_template}
     * (a string, or a list of named templates of which {@code default} is used); without one,
     * {@link ChatTemplate#fallback} is used.
     *
     * @param dir the model directory
     * @return the tokenizer
     * @throws ModelException if {@code tokenizer.json} is missing or unreadable
     */
    public static Tokenizer load(Path dir) {
        Path json = dir.resolve("tokenizer.json");
        if (!Files.exists(json)) {
            throw new ModelException("Missing tokenizer.json in " + dir);
        }
        Map<String, String> options = new HashMap<>();
        options.put("addSpecialTokens", "true");
        options.put("truncation", "false");
        options.put("padding", "false");
        options.put("modelMaxLength", String.valueOf(Integer.MAX_VALUE));
        HuggingFaceTokenizer hf;
        try {
            hf = HuggingFaceTokenizer.newInstance(json, options);
        } catch (IOException | RuntimeException e) {
            throw new ModelException("Cannot load " + json + ": " + e.getMessage(), e);
        }
        JsonObject config = Files.exists(dir.resolve("tokenizer_config.json"))
                ? Json.readObject(dir.resolve("tokenizer_config.json")) : new JsonObject();
        SpecialTokens special = SpecialTokens.fromConfig(config);
        String template = findTemplate(dir, config);
        ChatTemplate chat = template == null ? ChatTemplate.fallback(special) : ChatTemplate.of(template, special);
        return new Tokenizer(hf, special, chat, readAddedTokens(json));
    }

    private static String findTemplate(Path dir, JsonObject tokenizerConfig) {
        try {
            Path jinja = dir.resolve("chat_template.jinja");
            if (Files.exists(jinja)) {
                return Files.readString(jinja, StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new ModelException("Cannot read chat_template.jinja in " + dir + ": " + e.getMessage(), e);
        }
        Path json = dir.resolve("chat_template.json");
        if (Files.exists(json)) {
            String t = templateOf(Json.readObject(json).get("chat_template"));
            if (t != null) {
                return t;
            }
        }
        return templateOf(tokenizerConfig.get("chat_template"));
    }

    private static String templateOf(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonPrimitive()) {
            return e.getAsString();
        }
        if (e.isJsonArray()) {
            for (JsonElement named : e.getAsJsonArray()) {
                JsonObject o = named.getAsJsonObject();
                if ("default".equals(o.get("name").getAsString())) {
                    return o.get("template").getAsString();
                }
            }
        }
        return null;
    }

    /** The added (mostly special) tokens of tokenizer.json: content to id. */
    private static Map<String, Integer> readAddedTokens(Path json) {
        Map<String, Integer> out = new HashMap<>();
        try {
            JsonObject root = Json.readObject(json);
            if (root.has("added_tokens") && root.get("added_tokens").isJsonArray()) {
                for (JsonElement t : root.getAsJsonArray("added_tokens")) {
                    JsonObject o = t.getAsJsonObject();
                    out.put(o.get("content").getAsString(), o.get("id").getAsInt());
                }
            }
        } catch (RuntimeException e) {
            throw new ModelException("Cannot read added_tokens of " + json + ": " + e.getMessage(), e);
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * Encodes text as {@code tokenizer.json} says, special tokens included (for Llama tokenizers
     * that means a leading BOS).
     *
     * @param text the text
     * @return token ids
     */
    public int[] encode(String text) {
        return encode(text, true);
    }

    /**
     * Encodes text.
     *
     * @param text the text
     * @param addSpecialTokens whether the post-processor adds its special tokens (BOS); false for
     *     rendered chat templates, which contain them already
     * @return token ids
     */
    public int[] encode(String text, boolean addSpecialTokens) {
        Encoding e = tokenizer.encode(text, addSpecialTokens, false);
        long[] ids = e.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    /**
     * Renders a conversation with the chat template and encodes it.
     *
     * @param messages the conversation
     * @param addGenerationPrompt whether to open an assistant turn
     * @return token ids
     */
    public int[] encodeChat(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return encode(chatTemplate.render(messages, addGenerationPrompt), false);
    }

    /**
     * Decodes ids to text, skipping special tokens.
     *
     * @param ids token ids
     * @return the text
     */
    public String decode(int[] ids) {
        return decode(ids, 0, ids.length, true);
    }

    /**
     * Decodes a range of ids.
     *
     * @param ids token ids
     * @param from first index (inclusive)
     * @param to last index (exclusive)
     * @param skipSpecialTokens whether to leave special tokens out
     * @return the text
     */
    public String decode(int[] ids, int from, int to, boolean skipSpecialTokens) {
        long[] l = new long[to - from];
        for (int i = from; i < to; i++) {
            l[i - from] = ids[i];
        }
        return tokenizer.decode(l, skipSpecialTokens);
    }

    /**
     * The id of an added token such as {@code <|im_end|>} or {@code </s>}.
     *
     * @param content the token text
     * @return its id, or {@code null} if {@code tokenizer.json} has no such added token
     */
    public Integer addedTokenId(String content) {
        return content == null ? null : addedTokens.get(content);
    }

    /** @return the special-token strings from {@code tokenizer_config.json} */
    public SpecialTokens specialTokens() {
        return specialTokens;
    }

    /** @return the chat template (possibly the fallback) */
    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    /**
     * Starts incremental detokenization for a stream that continues the given context.
     *
     * @param context the ids already in the sequence (their last few set the decoding context)
     * @return a fresh detokenizer
     */
    public IncrementalDetokenizer newDetokenizer(int[] context) {
        return new IncrementalDetokenizer(this, context);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
