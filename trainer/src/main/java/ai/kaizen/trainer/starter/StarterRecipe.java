package ai.kaizen.trainer.starter;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.config.LlamaConfig;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.ModelOptions;
import ai.kaizen.model.safetensors.DType;
import ai.kaizen.model.tokenizer.ChatTemplate;
import ai.kaizen.model.tokenizer.Tokenizer;
import ai.kaizen.trainer.sft.PackedText;
import ai.kaizen.trainer.sft.SftConfig;
import ai.kaizen.trainer.sft.SftListener;
import ai.kaizen.trainer.sft.SftResult;
import ai.kaizen.trainer.sft.SftTrainer;
import ai.kaizen.trainer.sft.TokenizedExample;
import ai.kaizen.trainer.tokenizer.BpeTrainer;
import ai.kaizen.trainer.tokenizer.BpeVocabulary;
import ai.kaizen.trainer.tokenizer.TokenizerFiles;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How Kaizen makes its starter model from the shipped data, step by step: a byte-level BPE
 * tokenizer, a randomly initialised small Llama, causal-LM pretraining on the customer-service text,
 * then chat tuning (message -> detailed answer, ChatML). Each step reads the previous step's
 * directory, so steps can be rerun or resumed alone.
 */
public final class StarterRecipe {

    /** Separates pretraining documents; also the BOS and padding token. */
    public static final String END_OF_TEXT = "<|endoftext|>";
    /** Opens a ChatML turn. */
    public static final String IM_START = "<|im_start|>";
    /** Closes a ChatML turn: the end of an answer. */
    public static final String IM_END = "<|im_end|>";
    /** Bitext's placeholders ({@code {{Order Number}}}): kept as single tokens. */
    public static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{[^{}\\n]{1,60}\\}\\}");

    /**
     * The network's shape.
     *
     * @param hidden model width
     * @param layers decoder layers
     * @param heads attention heads (as many key/value heads)
     * @param intermediate MLP width
     * @param context longest sequence, in tokens
     */
    public record ModelShape(int hidden, int layers, int heads, int intermediate, int context) {}

    private StarterRecipe() {
    }

    /**
     * Trains the tokenizer on the training texts and writes {@code tokenizer.json} and
     * {@code tokenizer_config.json} (ChatML template) into a directory.
     *
     * @param data the data
     * @param vocabSize total vocabulary size
     * @param context the model's context (the tokenizer's {@code model_max_length})
     * @param dir the output directory
     * @return the vocabulary
     */
    public static BpeVocabulary trainTokenizer(StarterData data, int vocabSize, int context, Path dir) {
        BpeTrainer trainer = new BpeTrainer(List.of(END_OF_TEXT, IM_START, IM_END), vocabSize, 2, PLACEHOLDER);
        BpeVocabulary vocabulary = trainer.train(data.tokenizerTexts());
        TokenizerFiles.write(vocabulary, new TokenizerFiles.ChatFormat(ChatTemplate.FALLBACK_TEMPLATE, END_OF_TEXT,
                IM_END, END_OF_TEXT, context), dir);
        return vocabulary;
    }

    /**
     * Writes a randomly initialised model (weights normal with std 0.02, tied embeddings) with the
     * tokenizer of {@code tokenizerDir}: a Hugging Face directory the trainers start from.
     *
     * @param tokenizerDir a directory with the tokenizer files
     * @param shape the network's shape
     * @param seed the initialisation's seed
     * @param out the output directory
     */
    public static void initModel(Path tokenizerDir, ModelShape shape, long seed, Path out) {
        int vocab;
        int bos;
        int imEnd;
        try (Tokenizer tokenizer = Tokenizer.load(tokenizerDir)) {
            vocab = Json.readObject(tokenizerDir.resolve("tokenizer.json")).getAsJsonObject("model")
                    .getAsJsonObject("vocab").size();
            bos = tokenizer.addedTokenId(END_OF_TEXT);
            imEnd = tokenizer.addedTokenId(IM_END);
        }
        JsonObject config = new JsonObject();
        JsonArray architectures = new JsonArray();
        architectures.add("LlamaForCausalLM");
        config.add("architectures", architectures);
        config.addProperty("model_type", "llama");
        config.addProperty("hidden_size", shape.hidden());
        config.addProperty("intermediate_size", shape.intermediate());
        config.addProperty("num_hidden_layers", shape.layers());
        config.addProperty("num_attention_heads", shape.heads());
        config.addProperty("num_key_value_heads", shape.heads());
        config.addProperty("vocab_size", vocab);
        config.addProperty("max_position_embeddings", shape.context());
        config.addProperty("rms_norm_eps", 1e-5);
        config.addProperty("rope_theta", 10000.0);
        config.addProperty("hidden_act", "silu");
        config.addProperty("tie_word_embeddings", true);
        config.addProperty("attention_bias", false);
        config.addProperty("mlp_bias", false);
        config.addProperty("bos_token_id", bos);
        JsonArray eos = new JsonArray();
        eos.add(imEnd);
        eos.add(bos);
        config.add("eos_token_id", eos);
        config.addProperty("pad_token_id", bos);
        config.addProperty("torch_dtype", "float32");
        config.addProperty("initializer_range", 0.02);
        LlamaConfig llama = LlamaConfig.parse(config.toString());
        try (LlamaModel model = LlamaModel.random(llama, ModelOptions.DEFAULT, seed)) {
            model.save(out, DType.F32);
        }
        JsonObject generation = new JsonObject();
        generation.addProperty("bos_token_id", bos);
        generation.add("eos_token_id", eos);
        generation.addProperty("pad_token_id", bos);
        generation.addProperty("do_sample", false);
        Json.write(out.resolve("generation_config.json"), generation);
        LanguageModel.copyTokenizerFiles(tokenizerDir, out);
    }

    /**
     * Pretrains a model as a causal LM on the training documents, packed into context-long blocks;
     * the eval loss is over the held-out exchanges.
     *
     * @param model the model to train (weights change in place), e.g. from {@link #initModel}
     * @param data the data
     * @param config the run (output directory, steps, learning rate, ...)
     * @param seed the documents' shuffle seed
     * @param listener progress callbacks
     * @return what happened
     */
    public static SftResult pretrain(LanguageModel model, StarterData data, SftConfig config, long seed,
            SftListener listener) {
        int block = Math.min(config.maxLength(), model.network().config().maxPositionEmbeddings());
        int separator = model.tokenizer().addedTokenId(END_OF_TEXT);
        List<TokenizedExample> train = PackedText.pack(model.tokenizer(), data.pretrainingDocuments(seed),
                separator, block);
        List<TokenizedExample> eval = PackedText.pack(model.tokenizer(), data.heldOutDocuments(), separator, block);
        try (SftTrainer trainer = new SftTrainer(config, model)) {
            return trainer.trainTokenized(train, eval, listener);
        }
    }

    /**
     * Tunes a pretrained model as a chat assistant: ChatML conversations of a training message and
     * its detailed answer, loss on the answer; the eval loss is over the held-out messages.
     *
     * @param model the pretrained model (weights change in place)
     * @param data the data
     * @param config the run
     * @param listener progress callbacks
     * @return what happened
     */
    public static SftResult chat(LanguageModel model, StarterData data, SftConfig config, SftListener listener) {
        try (SftTrainer trainer = new SftTrainer(config, model)) {
            return trainer.train(data.trainChat(), data.heldOutChat(), listener);
        }
    }
}
