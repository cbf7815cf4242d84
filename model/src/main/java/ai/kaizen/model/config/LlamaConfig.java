package ai.kaizen.model.config;

import ai.kaizen.model.ModelException;
import ai.kaizen.model.UnsupportedModelException;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The shape and options of a Llama-family decoder, read from a Hugging Face {@code config.json}.
 *
 * <p>Only what the maths needs is modelled; {@link #sourceJson()} keeps the original file so that
 * {@link #toJson(String)} writes back every field other tools may rely on.
 *
 * @param architecture which Hugging Face architecture this is
 * @param hiddenSize model width ({@code hidden_size})
 * @param intermediateSize SwiGLU inner width ({@code intermediate_size})
 * @param numLayers number of decoder layers ({@code num_hidden_layers})
 * @param numHeads query heads ({@code num_attention_heads})
 * @param numKvHeads key/value heads ({@code num_key_value_heads}); fewer than {@code numHeads} is GQA
 * @param headDim width of one head ({@code head_dim}, default {@code hiddenSize / numHeads})
 * @param vocabSize vocabulary size ({@code vocab_size})
 * @param maxPositionEmbeddings longest supported context ({@code max_position_embeddings})
 * @param rmsNormEps epsilon inside the RMSNorm square root ({@code rms_norm_eps})
 * @param ropeTheta RoPE base ({@code rope_theta})
 * @param ropeScaling RoPE scaling, or {@code null} for none
 * @param tieWordEmbeddings whether the LM head reuses the embedding matrix
 * @param qkvBias whether q/k/v projections have biases (Qwen2, or Llama with {@code attention_bias})
 * @param outputBias whether the attention output projection has a bias (Llama {@code attention_bias})
 * @param bosTokenId beginning-of-sequence id, or {@code null}
 * @param eosTokenIds end-of-sequence ids (possibly several), possibly empty
 * @param padTokenId padding id, or {@code null}
 * @param sourceJson the {@code config.json} this was read from, or {@code null} if built in code
 */
public record LlamaConfig(
        Architecture architecture,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int vocabSize,
        int maxPositionEmbeddings,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        boolean outputBias,
        Integer bosTokenId,
        List<Integer> eosTokenIds,
        Integer padTokenId,
        String sourceJson) {

    /** Validates the shape. */
    public LlamaConfig {
        Objects.requireNonNull(architecture, "architecture");
        eosTokenIds = eosTokenIds == null ? List.of() : List.copyOf(eosTokenIds);
        require(hiddenSize > 0, "hidden_size must be positive");
        require(intermediateSize > 0, "intermediate_size must be positive");
        require(numLayers > 0, "num_hidden_layers must be positive");
        require(numHeads > 0, "num_attention_heads must be positive");
        require(numKvHeads > 0 && numHeads % numKvHeads == 0,
                "num_attention_heads (" + numHeads + ") must be a multiple of num_key_value_heads ("
                        + numKvHeads + ")");
        require(headDim > 0 && headDim % 2 == 0, "head_dim must be positive and even, got " + headDim);
        require(vocabSize > 0, "vocab_size must be positive");
        require(maxPositionEmbeddings > 0, "max_position_embeddings must be positive");
        require(rmsNormEps > 0, "rms_norm_eps must be positive");
        require(ropeTheta > 0, "rope_theta must be positive");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new ModelException("Invalid model configuration: " + message);
        }
    }

    /** @return width of all query heads together, {@code numHeads * headDim} */
    public int queryDim() {
        return numHeads * headDim;
    }

    /** @return width of all key (or value) heads together, {@code numKvHeads * headDim} */
    public int kvDim() {
        return numKvHeads * headDim;
    }

    /** @return output width of the fused q/k/v projection */
    public int qkvDim() {
        return queryDim() + 2 * kvDim();
    }

    /** @return query heads per key/value head */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    /** @return number of parameters, counting a tied embedding once */
    public long parameterCount() {
        long h = hiddenSize;
        long perLayer = 2 * h // two RMSNorm weights
                + h * qkvDim() + (qkvBias ? qkvDim() : 0)
                + (long) queryDim() * h + (outputBias ? h : 0)
                + 3 * h * intermediateSize;
        long embed = (long) vocabSize * h;
        return embed + (tieWordEmbeddings ? 0 : embed) + numLayers * perLayer + h;
    }

    /**
     * Reads {@code config.json} from a model directory (or the file itself).
     *
     * @param path a model directory or a {@code config.json}
     * @return the configuration
     * @throws ModelException if the file is missing or malformed
     * @throws UnsupportedModelException if the architecture or an option is not supported
     */
    public static LlamaConfig load(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("config.json") : path;
        if (!Files.exists(file)) {
            throw new ModelException("Missing config.json in " + path);
        }
        return parse(Json.readObject(file), file.toString());
    }

    /**
     * Parses the content of a {@code config.json}.
     *
     * @param json the JSON text
     * @return the configuration
     */
    public static LlamaConfig parse(String json) {
        return parse(Json.parseObject(json, "config.json"), "config.json");
    }

    private static LlamaConfig parse(JsonObject o, String source) {
        Architecture architecture = architectureOf(o, source);
        rejectUnsupported(o, architecture, source);

        int hidden = required(o, "hidden_size", source);
        int heads = required(o, "num_attention_heads", source);
        Integer kvHeads = Json.integer(o, "num_key_value_heads");
        Integer headDim = Json.integer(o, "head_dim");
        boolean qwen2 = architecture.isQwen2();
        boolean attentionBias = Boolean.TRUE.equals(Json.bool(o, "attention_bias"));
        Double eps = Json.number(o, "rms_norm_eps");
        Double theta = Json.number(o, "rope_theta");
        Integer maxPos = Json.integer(o, "max_position_embeddings");
        Boolean tie = Json.bool(o, "tie_word_embeddings");
        RopeScaling ropeScaling = ropeScalingOf(o, source);
        try {
            return new LlamaConfig(
                    architecture,
                    hidden,
                    required(o, "intermediate_size", source),
                    required(o, "num_hidden_layers", source),
                    heads,
                    kvHeads == null ? heads : kvHeads,
                    headDim == null ? hidden / heads : headDim,
                    required(o, "vocab_size", source),
                    maxPos == null ? (qwen2 ? 32768 : 2048) : maxPos,
                    eps == null ? 1e-6 : eps,
                    theta == null ? 10000.0 : theta,
                    ropeScaling,
                    tie != null && tie,
                    qwen2 || attentionBias,
                    !qwen2 && attentionBias,
                    Json.integer(o, "bos_token_id"),
                    Json.intList(o, "eos_token_id"),
                    Json.integer(o, "pad_token_id"),
                    o.toString());
        } catch (ModelException e) {
            throw new ModelException(source + ": " + e.getMessage(), e);
        }
    }

    private static int required(JsonObject o, String key, String source) {
        Integer v = Json.integer(o, key);
        if (v == null) {
            throw new ModelException(source + ": missing \"" + key + "\"");
        }
        return v;
    }

    private static Architecture architectureOf(JsonObject o, String source) {
        if (Json.isPresent(o, "architectures") && o.get("architectures").isJsonArray()
                && o.getAsJsonArray("architectures").size() > 0) {
            String name = o.getAsJsonArray("architectures").get(0).getAsString();
            Architecture a = Architecture.fromHfName(name);
            if (a == null) {
                throw new UnsupportedModelException("Unsupported architecture " + name + " in " + source
                        + " (supported: " + Architecture.supportedNames() + ")");
            }
            return a;
        }
        String modelType = Json.string(o, "model_type", null);
        if (modelType == null) {
            throw new ModelException(source + ": neither \"architectures\" nor \"model_type\" is set");
        }
        Architecture a = Architecture.fromModelType(modelType);
        if (a == null) {
            throw new UnsupportedModelException("Unsupported model_type " + modelType + " in " + source
                    + " (supported: llama, qwen2)");
        }
        return a;
    }

    private static void rejectUnsupported(JsonObject o, Architecture a, String source) {
        String act = Json.string(o, "hidden_act", "silu");
        if (!"silu".equals(act)) {
            throw new UnsupportedModelException("Unsupported hidden_act " + act + " in " + source
                    + " (only silu)");
        }
        if (Boolean.TRUE.equals(Json.bool(o, "mlp_bias"))) {
            throw new UnsupportedModelException("Unsupported option mlp_bias=true in " + source);
        }
        if (Json.isPresent(o, "quantization_config")) {
            JsonElement q = o.get("quantization_config");
            String method = q.isJsonObject() ? Json.string(q.getAsJsonObject(), "quant_method", "?") : "?";
            throw new UnsupportedModelException("Unsupported quantized checkpoint (quantization_config "
                    + method + ") in " + source);
        }
        if (a.isQwen2() && Boolean.TRUE.equals(Json.bool(o, "use_sliding_window"))) {
            throw new UnsupportedModelException("Unsupported option use_sliding_window=true in " + source);
        }
    }

    private static RopeScaling ropeScalingOf(JsonObject o, String source) {
        if (!Json.isPresent(o, "rope_scaling")) {
            return null;
        }
        JsonObject r = o.getAsJsonObject("rope_scaling");
        String type = Json.string(r, "rope_type", Json.string(r, "type", "default"));
        Double factor = Json.number(r, "factor");
        switch (type) {
            case "default":
                return null;
            case RopeScaling.LINEAR:
                if (factor == null) {
                    throw new ModelException(source + ": rope_scaling of type linear needs \"factor\"");
                }
                return new RopeScaling(type, factor, 0, 0, 0);
            case RopeScaling.LLAMA3:
                Double low = Json.number(r, "low_freq_factor");
                Double high = Json.number(r, "high_freq_factor");
                Integer original = Json.integer(r, "original_max_position_embeddings");
                if (factor == null || low == null || high == null || original == null) {
                    throw new ModelException(source + ": rope_scaling of type llama3 needs factor, "
                            + "low_freq_factor, high_freq_factor and original_max_position_embeddings");
                }
                return new RopeScaling(type, factor, low, high, original);
            default:
                throw new UnsupportedModelException("Unsupported rope_scaling type " + type + " in " + source
                        + " (supported: llama3, linear)");
        }
    }

    /**
     * Writes this configuration as a {@code config.json} object, starting from the original file so
     * that fields this engine does not model survive a load/save round trip.
     *
     * @param torchDtype the dtype of the weights being written ({@code float32}, {@code float16},
     *     {@code bfloat16})
     * @return the JSON object
     */
    public JsonObject toJson(String torchDtype) {
        JsonObject o = sourceJson == null ? new JsonObject() : Json.parseObject(sourceJson, "config.json");
        JsonArray arch = new JsonArray();
        arch.add(architecture.hfName());
        o.add("architectures", arch);
        o.addProperty("model_type", architecture.modelType());
        o.addProperty("hidden_size", hiddenSize);
        o.addProperty("intermediate_size", intermediateSize);
        o.addProperty("num_hidden_layers", numLayers);
        o.addProperty("num_attention_heads", numHeads);
        o.addProperty("num_key_value_heads", numKvHeads);
        if (headDim != hiddenSize / numHeads || o.has("head_dim")) {
            o.addProperty("head_dim", headDim);
        }
        o.addProperty("vocab_size", vocabSize);
        o.addProperty("max_position_embeddings", maxPositionEmbeddings);
        o.addProperty("rms_norm_eps", rmsNormEps);
        o.addProperty("rope_theta", ropeTheta);
        if (ropeScaling == null) {
            if (o.has("rope_scaling")) {
                o.add("rope_scaling", JsonNull.INSTANCE);
            }
        } else {
            JsonObject r = new JsonObject();
            r.addProperty("rope_type", ropeScaling.type());
            r.addProperty("factor", ropeScaling.factor());
            if (RopeScaling.LLAMA3.equals(ropeScaling.type())) {
                r.addProperty("low_freq_factor", ropeScaling.lowFreqFactor());
                r.addProperty("high_freq_factor", ropeScaling.highFreqFactor());
                r.addProperty("original_max_position_embeddings", ropeScaling.originalMaxPositionEmbeddings());
            }
            o.add("rope_scaling", r);
        }
        o.addProperty("hidden_act", "silu");
        o.addProperty("tie_word_embeddings", tieWordEmbeddings);
        if (!architecture.isQwen2()) {
            o.addProperty("attention_bias", qkvBias);
            o.addProperty("mlp_bias", false);
        }
        if (bosTokenId != null) {
            o.addProperty("bos_token_id", bosTokenId);
        }
        if (eosTokenIds.size() == 1) {
            o.addProperty("eos_token_id", eosTokenIds.get(0));
        } else if (!eosTokenIds.isEmpty()) {
            JsonArray eos = new JsonArray();
            eosTokenIds.forEach(eos::add);
            o.add("eos_token_id", eos);
        }
        if (padTokenId != null) {
            o.addProperty("pad_token_id", padTokenId);
        }
        if (architecture.hasScoreHead()) {
            o.addProperty("num_labels", 1);
            if (!o.has("id2label")) {
                JsonObject id2label = new JsonObject();
                id2label.addProperty("0", "LABEL_0");
                o.add("id2label", id2label);
                JsonObject label2id = new JsonObject();
                label2id.addProperty("LABEL_0", 0);
                o.add("label2id", label2id);
            }
        }
        o.addProperty("torch_dtype", torchDtype);
        return o;
    }

    /**
     * Returns a copy with another architecture (for example the sequence-classification variant
     * when saving a reward model).
     *
     * @param other the architecture
     * @return the copy
     */
    public LlamaConfig withArchitecture(Architecture other) {
        return new LlamaConfig(other, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
                vocabSize, maxPositionEmbeddings, rmsNormEps, ropeTheta, ropeScaling, tieWordEmbeddings,
                qkvBias, outputBias, bosTokenId, eosTokenIds, padTokenId, sourceJson);
    }

    /**
     * Returns a copy with another padding id (sequence classifiers in transformers need one to
     * find each row's last token).
     *
     * @param id the padding id
     * @return the copy
     */
    public LlamaConfig withPadTokenId(Integer id) {
        return new LlamaConfig(architecture, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
                vocabSize, maxPositionEmbeddings, rmsNormEps, ropeTheta, ropeScaling, tieWordEmbeddings,
                qkvBias, outputBias, bosTokenId, eosTokenIds, id, sourceJson);
    }

    /** @return a builder with Llama defaults, for tests and synthetic (benchmark) models */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a configuration in code; every field has a small Llama-like default. */
    public static final class Builder {
        private Architecture architecture = Architecture.LLAMA_CAUSAL_LM;
        private int hiddenSize = 64;
        private int intermediateSize = 172;
        private int numLayers = 2;
        private int numHeads = 8;
        private Integer numKvHeads;
        private Integer headDim;
        private int vocabSize = 512;
        private int maxPositionEmbeddings = 512;
        private double rmsNormEps = 1e-5;
        private double ropeTheta = 10000;
        private RopeScaling ropeScaling;
        private boolean tieWordEmbeddings;
        private Boolean qkvBias;
        private boolean outputBias;
        private Integer bosTokenId = 1;
        private List<Integer> eosTokenIds = List.of(2);
        private Integer padTokenId;

        private Builder() {}

        /** @param v the architecture @return this */
        public Builder architecture(Architecture v) { architecture = v; return this; }
        /** @param v hidden size @return this */
        public Builder hiddenSize(int v) { hiddenSize = v; return this; }
        /** @param v intermediate size @return this */
        public Builder intermediateSize(int v) { intermediateSize = v; return this; }
        /** @param v layers @return this */
        public Builder numLayers(int v) { numLayers = v; return this; }
        /** @param v query heads @return this */
        public Builder numHeads(int v) { numHeads = v; return this; }
        /** @param v key/value heads @return this */
        public Builder numKvHeads(int v) { numKvHeads = v; return this; }
        /** @param v head width @return this */
        public Builder headDim(int v) { headDim = v; return this; }
        /** @param v vocabulary size @return this */
        public Builder vocabSize(int v) { vocabSize = v; return this; }
        /** @param v context length @return this */
        public Builder maxPositionEmbeddings(int v) { maxPositionEmbeddings = v; return this; }
        /** @param v RMSNorm epsilon @return this */
        public Builder rmsNormEps(double v) { rmsNormEps = v; return this; }
        /** @param v RoPE base @return this */
        public Builder ropeTheta(double v) { ropeTheta = v; return this; }
        /** @param v RoPE scaling or null @return this */
        public Builder ropeScaling(RopeScaling v) { ropeScaling = v; return this; }
        /** @param v tied embeddings @return this */
        public Builder tieWordEmbeddings(boolean v) { tieWordEmbeddings = v; return this; }
        /** @param v q/k/v biases (defaults to true for Qwen2) @return this */
        public Builder qkvBias(boolean v) { qkvBias = v; return this; }
        /** @param v o_proj bias @return this */
        public Builder outputBias(boolean v) { outputBias = v; return this; }
        /** @param v BOS id or null @return this */
        public Builder bosTokenId(Integer v) { bosTokenId = v; return this; }
        /** @param v EOS ids @return this */
        public Builder eosTokenIds(List<Integer> v) { eosTokenIds = v; return this; }
        /** @param v pad id or null @return this */
        public Builder padTokenId(Integer v) { padTokenId = v; return this; }

        /** @return the configuration */
        public LlamaConfig build() {
            int kv = numKvHeads == null ? numHeads : numKvHeads;
            int hd = headDim == null ? hiddenSize / numHeads : headDim;
            boolean bias = qkvBias == null ? architecture.isQwen2() : qkvBias;
            return new LlamaConfig(architecture, hiddenSize, intermediateSize, numLayers, numHeads, kv, hd,
                    vocabSize, maxPositionEmbeddings, rmsNormEps, ropeTheta, ropeScaling, tieWordEmbeddings,
                    bias, outputBias, bosTokenId, eosTokenIds, padTokenId, null);
        }
    }
}
