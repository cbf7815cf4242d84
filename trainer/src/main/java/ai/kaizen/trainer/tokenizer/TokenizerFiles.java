package ai.kaizen.trainer.tokenizer;

import ai.kaizen.model.config.Json;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a {@link BpeVocabulary} as a standard Hugging Face tokenizer: {@code tokenizer.json}
 * (BPE model, GPT-2 {@code ByteLevel} pre-tokenizer and decoder, no normalizer, no post-processor:
 * nothing is added to plain text, the chat template writes the control tokens) and
 * {@code tokenizer_config.json} (special tokens and the chat template), which both transformers and
 * DJL's Rust-backed {@code HuggingFaceTokenizer} load.
 */
public final class TokenizerFiles {

    private TokenizerFiles() {
    }

    /**
     * The chat format of the tokenizer.
     *
     * @param template the Jinja chat template
     * @param bos the beginning/end-of-text token (documents are separated by it)
     * @param eos the token that ends an assistant turn
     * @param pad the padding token
     * @param maxLength the model's context, in tokens
     */
    public record ChatFormat(String template, String bos, String eos, String pad, int maxLength) {}

    /**
     * @param vocabulary the trained vocabulary
     * @param format special tokens and chat template
     * @param dir the directory to write into (created)
     */
    public static void write(BpeVocabulary vocabulary, ChatFormat format, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Json.write(dir.resolve("tokenizer.json"), tokenizerJson(vocabulary));
        Json.write(dir.resolve("tokenizer_config.json"), tokenizerConfig(format));
    }

    static JsonObject tokenizerJson(BpeVocabulary v) {
        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", JsonNull.INSTANCE);
        root.add("padding", JsonNull.INSTANCE);
        JsonArray added = new JsonArray();
        JsonObject vocab = new JsonObject();
        int id = 0;
        for (String s : v.specialTokens()) {
            added.add(addedToken(id, s, true));
            vocab.addProperty(s, id++);
        }
        for (String t : v.tokens()) {
            vocab.addProperty(t, id++);
        }
        for (String s : v.addedTokens()) {
            added.add(addedToken(id, s, false));
            vocab.addProperty(s, id++);
        }
        root.add("added_tokens", added);
        root.add("normalizer", JsonNull.INSTANCE);
        root.add("pre_tokenizer", byteLevel(false));
        root.add("post_processor", JsonNull.INSTANCE);
        root.add("decoder", byteLevel(true));
        JsonObject model = new JsonObject();
        model.addProperty("type", "BPE");
        model.add("dropout", JsonNull.INSTANCE);
        model.add("unk_token", JsonNull.INSTANCE);
        model.add("continuing_subword_prefix", JsonNull.INSTANCE);
        model.add("end_of_word_suffix", JsonNull.INSTANCE);
        model.addProperty("fuse_unk", false);
        model.addProperty("byte_fallback", false);
        model.addProperty("ignore_merges", false);
        model.add("vocab", vocab);
        JsonArray merges = new JsonArray();
        for (BpeVocabulary.Merge m : v.merges()) {
            JsonArray pair = new JsonArray();
            pair.add(m.left());
            pair.add(m.right());
            merges.add(pair);
        }
        model.add("merges", merges);
        root.add("model", model);
        return root;
    }

    private static JsonObject addedToken(int id, String content, boolean special) {
        JsonObject o = new JsonObject();
        o.addProperty("id", id);
        o.addProperty("content", content);
        o.addProperty("single_word", false);
        o.addProperty("lstrip", false);
        o.addProperty("rstrip", false);
        o.addProperty("normalized", false);
        o.addProperty("special", special);
        return o;
    }

    /** GPT-2's settings: no prefix space (round trips stay exact), GPT-2's split regex. */
    private static JsonObject byteLevel(boolean decoder) {
        JsonObject o = new JsonObject();
        o.addProperty("type", "ByteLevel");
        o.addProperty("add_prefix_space", false);
        o.addProperty("trim_offsets", !decoder);
        o.addProperty("use_regex", true);
        return o;
    }

    static JsonObject tokenizerConfig(ChatFormat format) {
        JsonObject o = new JsonObject();
        o.addProperty("tokenizer_class", "PreTrainedTokenizerFast");
        o.addProperty("add_bos_token", false);
        o.addProperty("add_eos_token", false);
        o.addProperty("bos_token", format.bos());
        o.addProperty("eos_token", format.eos());
        o.addProperty("pad_token", format.pad());
        o.add("unk_token", JsonNull.INSTANCE);
        o.addProperty("model_max_length", format.maxLength());
        o.addProperty("clean_up_tokenization_spaces", false);
        o.addProperty("chat_template", format.template());
        return o;
    }

    /** The merges as HF writes them ("left right"), for tests and inspection. */
    static List<String> mergeStrings(BpeVocabulary v) {
        return v.merges().stream().map(m -> m.left() + " " + m.right()).toList();
    }
}
