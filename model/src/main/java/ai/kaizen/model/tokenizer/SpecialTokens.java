package ai.kaizen.model.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * The special-token strings a chat template may reference, from {@code tokenizer_config.json}.
 * Each is {@code null} when the model defines none.
 *
 * @param bos beginning of sequence, for example {@code <s>} or {@code <|begin_of_text|>}
 * @param eos end of sequence, for example {@code </s>} or {@code <|im_end|>}
 * @param pad padding
 * @param unk unknown token
 */
public record SpecialTokens(String bos, String eos, String pad, String unk) {

    /** No special tokens. */
    public static final SpecialTokens NONE = new SpecialTokens(null, null, null, null);

    /**
     * Reads the special tokens of a {@code tokenizer_config.json}; each entry may be a string or an
     * AddedToken object with a {@code content} field.
     *
     * @param config the parsed file
     * @return the tokens
     */
    static SpecialTokens fromConfig(JsonObject config) {
        return new SpecialTokens(token(config, "bos_token"), token(config, "eos_token"),
                token(config, "pad_token"), token(config, "unk_token"));
    }

    private static String token(JsonObject config, String key) {
        if (!config.has(key) || config.get(key).isJsonNull()) {
            return null;
        }
        JsonElement e = config.get(key);
        if (e.isJsonObject()) {
            JsonElement content = e.getAsJsonObject().get("content");
            return content == null || content.isJsonNull() ? null : content.getAsString();
        }
        return e.getAsString();
    }
}
