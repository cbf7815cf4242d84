package ai.kaizen.model.config;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The defaults a model ships in {@code generation_config.json}: which ids end a sequence and how
 * its authors suggest sampling. Fields absent from the file are {@code null}.
 *
 * @param bosTokenId beginning-of-sequence id, or {@code null}
 * @param eosTokenIds end-of-sequence ids (union of {@code generation_config.json} and {@code config.json})
 * @param padTokenId padding id, or {@code null}
 * @param doSample whether the authors suggest sampling rather than greedy decoding
 * @param temperature suggested temperature, or {@code null}
 * @param topK suggested top-k, or {@code null}
 * @param topP suggested top-p, or {@code null}
 * @param repetitionPenalty suggested repetition penalty, or {@code null}
 * @param maxNewTokens suggested limit on new tokens, or {@code null}
 */
public record GenerationConfig(
        Integer bosTokenId,
        List<Integer> eosTokenIds,
        Integer padTokenId,
        boolean doSample,
        Double temperature,
        Integer topK,
        Double topP,
        Double repetitionPenalty,
        Integer maxNewTokens) {

    /** Copies the id list. */
    public GenerationConfig {
        eosTokenIds = eosTokenIds == null ? List.of() : List.copyOf(eosTokenIds);
    }

    /**
     * Reads {@code generation_config.json} from a model directory, falling back to the ids in the
     * model configuration when the file is absent.
     *
     * @param dir the model directory
     * @param model the model configuration (source of fallback ids)
     * @return the generation defaults
     */
    public static GenerationConfig load(Path dir, LlamaConfig model) {
        Path file = dir.resolve("generation_config.json");
        if (!Files.exists(file)) {
            return fromModel(model);
        }
        JsonObject o = Json.readObject(file);
        LinkedHashSet<Integer> eos = new LinkedHashSet<>(Json.intList(o, "eos_token_id"));
        eos.addAll(model.eosTokenIds());
        Integer bos = Json.integer(o, "bos_token_id");
        Integer pad = Json.integer(o, "pad_token_id");
        Integer maxNew = Json.integer(o, "max_new_tokens");
        return new GenerationConfig(
                bos == null ? model.bosTokenId() : bos,
                new ArrayList<>(eos),
                pad == null ? model.padTokenId() : pad,
                Boolean.TRUE.equals(Json.bool(o, "do_sample")),
                Json.number(o, "temperature"),
                Json.integer(o, "top_k"),
                Json.number(o, "top_p"),
                Json.number(o, "repetition_penalty"),
                maxNew);
    }

    /**
     * Defaults taken from the model configuration alone.
     *
     * @param model the model configuration
     * @return greedy defaults with the model's special ids
     */
    public static GenerationConfig fromModel(LlamaConfig model) {
        return new GenerationConfig(model.bosTokenId(), model.eosTokenIds(), model.padTokenId(), false,
                null, null, null, null, null);
    }

    /** @return this configuration as a {@code generation_config.json} object */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        if (bosTokenId != null) {
            o.addProperty("bos_token_id", bosTokenId);
        }
        if (eosTokenIds.size() == 1) {
            o.addProperty("eos_token_id", eosTokenIds.get(0));
        } else if (!eosTokenIds.isEmpty()) {
            com.google.gson.JsonArray a = new com.google.gson.JsonArray();
            eosTokenIds.forEach(a::add);
            o.add("eos_token_id", a);
        }
        if (padTokenId != null) {
            o.addProperty("pad_token_id", padTokenId);
        }
        o.addProperty("do_sample", doSample);
        if (temperature != null) {
            o.addProperty("temperature", temperature);
        }
        if (topK != null) {
            o.addProperty("top_k", topK);
        }
        if (topP != null) {
            o.addProperty("top_p", topP);
        }
        if (repetitionPenalty != null) {
            o.addProperty("repetition_penalty", repetitionPenalty);
        }
        if (maxNewTokens != null) {
            o.addProperty("max_new_tokens", maxNewTokens);
        }
        return o;
    }
}
