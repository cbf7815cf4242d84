package ai.kaizen.trainer.starter;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.config.LlamaConfig;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.ModelOptions;
import ai.kaizen.model.safetensors.DType;
import ai.kaizen.model.tokenizer.ChatTemplate;
import ai.kaizen.model.tokenizer.Tokenizer;
import ai.kaizen.trainer.dataset.SftExample;
import ai.kaizen.trainer.optim.AdamW;
import ai.kaizen.trainer.sft.PackedText;
import ai.kaizen.trainer.sft.SftConfig;
import ai.kaizen.trainer.sft.SftResult;
import ai.kaizen.trainer.sft.SftTrainer;
import ai.kaizen.trainer.tokenizer.BpeTrainer;
import ai.kaizen.trainer.tokenizer.BpeVocabulary;
import ai.kaizen.trainer.tokenizer.TokenizerFiles;
import ai.kaizen.trainer.training.TokenizedExample;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How Kaizen makes its starter model from the shipped data, step by step: a byte-level BPE
 * tokenizer, a randomly initialised small Llama, causal-LM pretraining on the customer-service text,
 * then chat tuning: single exchanges (message -> detailed answer, ChatML) first, multi-turn
 * conversations after. Each step reads the previous step's
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

    /**
     * The starter model's shape: about 1.3 million parameters (0.5 million of them the tied
     * 4,096-token embedding), with a context of 2,048 tokens (rotary positions: the context costs no
     * parameters). Sized for the shared 2-core CPU the recipe runs on: at about 200 tokens/s a 5.8M
     * model (256 wide, 6 layers) saw under one epoch of the text.
     */
    public static final ModelShape SHAPE = new ModelShape(128, 4, 4, 352, 2048);

    /**
     * Pretraining packs text into blocks of this many tokens: long enough for an exchange, short
     * enough that attention stays cheap. Conversations up to the context come with chat tuning.
     */
    public static final int PRETRAIN_BLOCK = 256;

    /** Chat tuning's batch: a few multi-turn conversations, about as many tokens as 16 single exchanges. */
    public static final int CHAT_BATCH = 4;

    /** The starter tokenizer's vocabulary: 3 control tokens, 256 bytes, merges and placeholders. */
    public static final int VOCAB_SIZE = 4096;

    /** Held-out blocks the pretraining evaluations use (the full split is measured by the evaluation). */
    public static final int PRETRAIN_EVAL_BLOCKS = 64;

    /** Seeds the held-out draw, the initialisation and the document order. */
    public static final long SEED = 7;

    /** Chat tuning's peak learning rate: a quarter of pretraining's. */
    private static final double CHAT_RATE = 5e-4;

    private StarterRecipe() {
    }

    /**
     * Pretraining defaults: a small model from scratch learns fast with a high learning rate (GPT-2
     * small-style AdamW: betas 0.9/0.95, weight decay 0.1), batches of 16 blocks of 256 tokens.
     *
     * @param outputDir the run's output directory
     * @param maxSteps optimizer updates
     * @return the configuration
     */
    public static SftConfig pretrainDefaults(Path outputDir, int maxSteps) {
        return starterRun(2e-3, 16, PRETRAIN_BLOCK, outputDir, maxSteps);
    }

    /**
     * Chat-tuning defaults: full fine-tuning of the pretrained model at a quarter of its peak rate,
     * batches of {@link #CHAT_BATCH} multi-turn conversations. The held-out loss is only watched: the
     * last weights are kept, so the held-out messages choose nothing.
     *
     * @param outputDir the run's output directory
     * @param maxSteps optimizer updates
     * @return the configuration
     */
    public static SftConfig chatDefaults(Path outputDir, int maxSteps) {
        return starterRun(CHAT_RATE, CHAT_BATCH, SHAPE.context(), outputDir, maxSteps);
    }

    /**
     * Single-exchange chat-tuning defaults, the first starter models' ({@link #chatSingleTurn}):
     * batches of 16 exchanges of up to 256 tokens, otherwise as {@link #chatDefaults}.
     *
     * @param outputDir the run's output directory
     * @param maxSteps optimizer updates
     * @return the configuration
     */
    public static SftConfig chatSingleTurnDefaults(Path outputDir, int maxSteps) {
        return starterRun(CHAT_RATE, 16, PRETRAIN_BLOCK, outputDir, maxSteps);
    }

    /**
     * What the three recipes share: one pass, GPT-2 small-style AdamW (betas 0.9/0.95, weight decay 0.1), a 5%
     * warmup, five evaluations, a checkpoint every 100 updates with only the newest kept, the last weights as the
     * output, full fine-tuning.
     *
     * @param learningRate peak learning rate
     * @param batchSize examples (blocks, conversations) per update
     * @param maxLength tokens per example
     * @param outputDir the run's output directory
     * @param maxSteps optimizer updates
     * @return the configuration
     */
    private static SftConfig starterRun(double learningRate, int batchSize, int maxLength, Path outputDir,
            int maxSteps) {
        return new SftConfig(learningRate, new AdamW.Hyper(0.9, 0.95, 1e-8, 0.1), Math.max(1, maxSteps / 20),
                maxSteps, 1, batchSize, 1, 1.0, maxLength, Math.max(1, maxSteps / 5), 16, 0, false, 10, 100, 1, SEED,
                null, outputDir, false);
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
            TrainingListener listener) {
        int block = Math.min(config.maxLength(), model.network().config().maxPositionEmbeddings());
        int separator = model.tokenizer().addedTokenId(END_OF_TEXT);
        List<TokenizedExample> train = PackedText.pack(model.tokenizer(), data.pretrainingDocuments(seed),
                separator, block);
        List<TokenizedExample> eval = PackedText.pack(model.tokenizer(), data.heldOutDocuments(), separator, block);
        // a fixed sample of the held-out text keeps each evaluation to seconds on a shared CPU
        eval = eval.subList(0, Math.min(eval.size(), PRETRAIN_EVAL_BLOCKS));
        try (SftTrainer trainer = new SftTrainer(config, model)) {
            return trainer.trainTokenized(train, eval, listener);
        }
    }

    /**
     * Tunes a pretrained model as a chat assistant on multi-turn conversations
     * ({@link StarterConversations}): enough rounds of the training messages (fresh values and partners
     * each round) for the run's steps, loss on every answer; the eval loss is over held-out
     * conversations in the same shape.
     *
     * @param model the pretrained model (weights change in place)
     * @param data the data
     * @param config the run
     * @param listener progress callbacks
     * @return what happened
     */
    public static SftResult chat(LanguageModel model, StarterData data, SftConfig config, TrainingListener listener) {
        StarterConversations conversations = conversations(model, config.maxLength());
        long needed = (long) config.args().maxSteps() * config.args().batchSize() * config.args().gradientAccumulation();
        List<SftExample> train = new ArrayList<>();
        for (int round = 0; train.size() < needed && round < MAX_ROUNDS; round++) {
            train.addAll(conversations.training(data.trainDetailed(), data.corpus().dialogs(),
                    data.split()::isHeldOut, 1, SEED + round));
        }
        try (SftTrainer trainer = new SftTrainer(config, model)) {
            return trainer.train(train, conversations.heldOut(data.heldOutDetailed(), SEED), listener);
        }
    }

    /**
     * Rounds of the training messages chat tuning draws at most (more steps repeat them): tokenising a
     * conversation renders each of its prefixes, so a round of about 900 conversations costs minutes.
     */
    static final int MAX_ROUNDS = 3;

    /**
     * The conversations a model's chat tuning uses.
     *
     * @param model the model (its tokenizer counts tokens; its context bounds the conversations)
     * @param maxLength the run's longest example
     * @return the builder
     */
    public static StarterConversations conversations(LanguageModel model, int maxLength) {
        int context = Math.min(maxLength, model.network().config().maxPositionEmbeddings());
        return new StarterConversations(context, text -> model.tokenizer().encode(text).length);
    }

    /**
     * Tunes a pretrained model on single exchanges, as the first starter models were: ChatML
     * conversations of a training message and its detailed answer (the customer's values drawn fresh,
     * {@link StarterData#trainChat}), loss on the answer; the eval loss is over the held-out messages.
     *
     * @param model the pretrained model (weights change in place)
     * @param data the data
     * @param config the run
     * @param listener progress callbacks
     * @return what happened
     */
    public static SftResult chatSingleTurn(LanguageModel model, StarterData data, SftConfig config,
            TrainingListener listener) {
        try (SftTrainer trainer = new SftTrainer(config, model)) {
            return trainer.train(data.trainChat(SEED), data.heldOutChat(), listener);
        }
    }
}
