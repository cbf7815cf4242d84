package ai.kaizen.trainer.online;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.generation.FinishReason;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.generation.GenerationResult;
import ai.kaizen.model.generation.TokenListener;
import ai.kaizen.model.llama.ForwardOutput;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.lora.Lora;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.model.training.TokenLogprobs;
import ai.kaizen.trainer.reward.RewardStats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The rollouts of every online trainer: samples responses from the policy, scores them with the
 * {@link Reward}, and recomputes by forward passes the policy's and the frozen reference's
 * log-probability of each response token. Runs without gradients.
 *
 * <p>The reference is a separate frozen copy of the starting policy, or, with LoRA, the policy itself
 * with its adapters switched off (no second copy in memory).
 */
public final class RolloutSampler {

    private final LanguageModel policy;
    private final LlamaModel reference;
    private final Lora lora;
    private final Reward reward;
    private final RolloutSettings settings;
    private final NDManager manager;
    private final Set<Integer> eosIds;

    /**
     * @param policy the policy being trained
     * @param reference its frozen copy, or null with LoRA
     * @param lora the policy's adapters (the reference is the policy with them off), or null
     * @param reward the reward
     * @param settings sampling and scoring options
     * @param manager where per-batch arrays are made (sub-managers, closed per batch)
     */
    public RolloutSampler(LanguageModel policy, LlamaModel reference, Lora lora, Reward reward,
            RolloutSettings settings, NDManager manager) {
        if ((reference == null) == (lora == null)) {
            throw new IllegalArgumentException("give a reference model for full fine-tuning, none with LoRA");
        }
        this.policy = policy;
        this.reference = reference;
        this.lora = lora;
        this.reward = reward;
        this.settings = settings;
        this.manager = manager;
        this.eosIds = policy.generator().eosIds();
    }

    /** @return the sampling and scoring options */
    public RolloutSettings settings() {
        return settings;
    }

    /**
     * Tokenises prompts through the chat template, keeping the last tokens that fit: at most
     * {@code max_prompt_length}, and room for a whole response in the model's context.
     *
     * @param prompts conversations ending with a user turn
     * @param maxLength most tokens of prompt and response together (0: no limit but the context)
     * @return the prompts' token ids
     */
    public List<int[]> tokenize(List<List<ChatMessage>> prompts, int maxLength) {
        int context = policy.network().config().maxPositionEmbeddings();
        int room = context - settings.maxCompletionLength() - 1;
        if (maxLength > 0) {
            room = Math.min(room, maxLength - settings.maxCompletionLength());
        }
        int keep = Math.max(1, Math.min(settings.maxPromptLength(), room));
        List<int[]> out = new ArrayList<>(prompts.size());
        for (List<ChatMessage> p : prompts) {
            int[] ids = policy.tokenizer().encodeChat(p, true);
            out.add(ids.length <= keep ? ids : Arrays.copyOfRange(ids, ids.length - keep, ids.length));
        }
        return out;
    }

    /**
     * Samples (or greedily decodes) one response per prompt. Row {@code i} samples with seed
     * {@code seed + i}, whatever the chunking, so a prompt repeated k times gets k different samples and a
     * resumed run samples the same.
     *
     * @param prompts prompt token ids
     * @param seed the first row's seed
     * @param greedy decode greedily instead of sampling
     * @return one result per prompt, in order
     */
    public List<GenerationResult> generate(List<int[]> prompts, long seed, boolean greedy) {
        return generate(prompts, seed, greedy, settings.batchSize());
    }

    /**
     * As {@link #generate(List, long, boolean)}, in batches of another size (evaluation's).
     *
     * @param prompts prompt token ids
     * @param seed the first row's seed
     * @param greedy decode greedily instead of sampling
     * @param batchSize prompts per generation batch
     * @return one result per prompt, in order
     */
    public List<GenerationResult> generate(List<int[]> prompts, long seed, boolean greedy, int batchSize) {
        GenerationOptions options = GenerationOptions.builder().maxNewTokens(settings.maxCompletionLength())
                .doSample(!greedy).temperature(settings.temperature()).topK(0).topP(1.0).repetitionPenalty(1.0)
                .seed(seed).stopTokenIds(eosIds).build();
        List<GenerationResult> out = new ArrayList<>(prompts.size());
        for (int from = 0; from < prompts.size(); from += batchSize) {
            List<int[]> chunk = prompts.subList(from, Math.min(prompts.size(), from + batchSize));
            GenerationOptions chunkOptions = options.toBuilder().seed(seed + from).build();
            out.addAll(policy.generator().generateBatch(chunk, chunkOptions, TokenListener.NONE));
        }
        return out;
    }

    /**
     * Scores responses and recomputes the policy's and the reference's log-probabilities.
     *
     * @param generated the sampled responses
     * @return one scored response each, in order
     */
    public List<ScoredResponse> score(List<GenerationResult> generated) {
        return score(generated, settings.batchSize());
    }

    /**
     * As {@link #score(List)}, in forward passes of another size (evaluation's).
     *
     * @param generated the sampled responses
     * @param batchSize sequences per forward pass
     * @return one scored response each, in order
     */
    public List<ScoredResponse> score(List<GenerationResult> generated, int batchSize) {
        List<Reward.Sample> samples = new ArrayList<>(generated.size());
        for (GenerationResult g : generated) {
            samples.add(new Reward.Sample(g.promptIds(), g.tokenIds(),
                    policy.tokenizer().decode(g.promptIds(), 0, g.promptIds().length, true), g.text()));
        }
        float[] raw = reward.score(samples);
        RewardStats stats = settings.useScoreScaling() ? reward.stats() : RewardStats.IDENTITY;
        List<ScoredResponse> out = new ArrayList<>(generated.size());
        for (int from = 0; from < generated.size(); from += batchSize) {
            List<GenerationResult> chunk = generated.subList(from, Math.min(generated.size(), from + batchSize));
            List<int[]> rows = new ArrayList<>();
            for (GenerationResult g : chunk) {
                rows.add(g.allIds());
            }
            try (NDManager m = manager.newSubManager(); NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                PaddedBatch batch = PaddedBatch.of(rows, m);
                float[] logp = logprobs(policy.network(), batch);
                float[] refLogp = referenceLogprobs(batch);
                for (int r = 0; r < chunk.size(); r++) {
                    GenerationResult g = chunk.get(r);
                    int p = g.promptIds().length;
                    int n = g.tokenIds().length;
                    int base = r * batch.width();
                    boolean eos = g.finishReason() == FinishReason.EOS;
                    double score = settings.shape(stats.normalize(raw[from + r]), eos);
                    out.add(new ScoredResponse(g.promptIds(), g.tokenIds(),
                            Arrays.copyOfRange(logp, base + p, base + p + n),
                            Arrays.copyOfRange(refLogp, base + p, base + p + n), (float) score, raw[from + r], eos));
                }
            }
        }
        return out;
    }

    /** (B * T) log-probabilities of each input token under the frozen reference. */
    private float[] referenceLogprobs(PaddedBatch batch) {
        if (lora == null) {
            return logprobs(reference, batch);
        }
        lora.setEnabled(false);
        try {
            return logprobs(policy.network(), batch);
        } finally {
            lora.setEnabled(true);
        }
    }

    /** (B * T) log-probabilities of each input token under a model, without gradients. */
    private float[] logprobs(LlamaModel model, PaddedBatch batch) {
        ForwardOutput out = model.forward(batch.ids(), batch.mask(), false);
        return TokenLogprobs.ofInputs(out.logits(), batch.ids(), settings.temperature()).toFloatArray();
    }
}
