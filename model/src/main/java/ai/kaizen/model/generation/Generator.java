package ai.kaizen.model.generation;

import ai.kaizen.model.ModelException;
import ai.kaizen.model.config.GenerationConfig;
import ai.kaizen.model.llama.KvCache;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.model.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The decode loop: prefill the prompt(s) into a {@link KvCache}, then one token per step until
 * every sequence has finished.
 *
 * <p>Batches are left-padded so that all rows decode in lock-step; each row finishes on its own
 * (end-of-sequence id, stop string, token limit or a listener's veto) and is then only carried
 * along, its tokens ignored. With greedy decoding a batched row produces the same tokens as the
 * same prompt alone.
 *
 * <p>A generator is stateless between calls and may be used from several threads at once; each
 * call allocates (and frees) its own cache. It never runs on the caller's event loop by itself:
 * callers must not invoke it from a Vert.x event-loop thread.
 */
public final class Generator {

    /** Stop strings added for chats rendered with the ChatML fallback template. */
    /** Where a turn ends under the fallback (ChatML) template, for models whose vocabulary lacks the markers. */
    public static final List<String> FALLBACK_STOPS = List.of("<|im_end|>", "<|im_start|>");

    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final Set<Integer> eosIds;

    /**
     * @param model the network
     * @param tokenizer its tokenizer (for text and stop strings)
     * @param defaults the model's generation config (its end-of-sequence ids)
     */
    public Generator(LlamaModel model, Tokenizer tokenizer, GenerationConfig defaults) {
        this.model = model;
        this.tokenizer = tokenizer;
        Set<Integer> eos = new HashSet<>(defaults.eosTokenIds());
        eos.addAll(model.config().eosTokenIds());
        Integer fromTokenizer = tokenizer.addedTokenId(tokenizer.specialTokens().eos());
        if (fromTokenizer != null) {
            eos.add(fromTokenizer);
        }
        this.eosIds = Set.copyOf(eos);
    }

    /** @return the end-of-sequence ids used when options name none */
    public Set<Integer> eosIds() {
        return eosIds;
    }

    /** @return the network */
    public LlamaModel model() {
        return model;
    }

    /** @return the tokenizer */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * Continues a text prompt, encoded exactly as {@code tokenizer.json} says (BOS included where
     * its post-processor adds it).
     *
     * @param prompt the prompt text
     * @param options decoding settings
     * @param listener streaming callback ({@link TokenListener#NONE} to ignore)
     * @return the result
     */
    public GenerationResult generate(String prompt, GenerationOptions options, TokenListener listener) {
        return generate(tokenizer.encode(prompt), options, listener);
    }

    /**
     * Answers a conversation: renders the chat template with an open assistant turn and
     * continues it. With the fallback template, ChatML's markers are added as stop strings.
     *
     * @param messages the conversation
     * @param options decoding settings
     * @param listener streaming callback
     * @return the result; its text is the assistant's reply
     */
    public GenerationResult chat(List<ChatMessage> messages, GenerationOptions options, TokenListener listener) {
        GenerationOptions effective = options;
        if (tokenizer.chatTemplate().isFallback()) {
            List<String> stops = new ArrayList<>(options.stopStrings());
            stops.addAll(FALLBACK_STOPS);
            effective = options.toBuilder().stopStrings(stops).build();
        }
        return generate(tokenizer.encodeChat(messages, true), effective, listener);
    }

    /**
     * Continues one tokenized prompt.
     *
     * @param promptIds prompt token ids (at least one)
     * @param options decoding settings
     * @param listener streaming callback
     * @return the result
     */
    public GenerationResult generate(int[] promptIds, GenerationOptions options, TokenListener listener) {
        return generateBatch(List.of(promptIds), options, listener).get(0);
    }

    /**
     * Continues several prompts together (left-padded into one batch).
     *
     * @param prompts prompt token ids, each at least one token
     * @param options decoding settings (sequence {@code i} samples with seed {@code seed + i})
     * @param listener streaming callback, told the sequence index of each token
     * @return one result per prompt, in order
     */
    public List<GenerationResult> generateBatch(List<int[]> prompts, GenerationOptions options,
            TokenListener listener) {
        int batch = prompts.size();
        if (batch == 0) {
            return List.of();
        }
        int longest = 0;
        for (int[] p : prompts) {
            checkPrompt(p);
            longest = Math.max(longest, p.length);
        }
        // one budget for all rows: the batch decodes in lock-step, so the longest prompt bounds every row
        int maxNew = Math.min(options.maxNewTokens(), model.config().maxPositionEmbeddings() - longest);
        DecodingSequence[] rows = new DecodingSequence[batch];
        for (int r = 0; r < batch; r++) {
            rows[r] = newSequence(r, prompts.get(r), options, maxNew);
        }
        if (maxNew == 0) {
            return results(rows);
        }
        try (KvCache cache = model.newCache(batch, longest + maxNew)) {
            int[][] step = new int[batch][longest];
            for (int r = 0; r < batch; r++) {
                int[] p = prompts.get(r);
                Arrays.fill(step[r], 0, longest - p.length, -1);
                System.arraycopy(p, 0, step[r], longest - p.length, p.length);
            }
            float[][] logits = model.nextTokenLogits(cache, step);
            int[][] next = new int[batch][1];
            while (true) {
                boolean anyAlive = false;
                for (int r = 0; r < batch; r++) {
                    DecodingSequence s = rows[r];
                    if (!s.finished()) {
                        anyAlive |= s.offer(logits[r], listener);
                    }
                    next[r][0] = s.lastToken();
                }
                if (!anyAlive) {
                    break;
                }
                logits = model.nextTokenLogitsReusing(cache, next); // read before the next step
            }
        }
        return results(rows);
    }

    /**
     * A sequence to decode outside this generator's loop (continuous batching): its own sampler, random source
     * ({@code seed + index} when the options name a seed), stop tokens and strings, and a token budget of
     * {@code options.maxNewTokens()} within the model's context.
     *
     * @param index the sequence's number, given to the listener with each token
     * @param prompt prompt token ids (at least one, shorter than the context)
     * @param options decoding settings
     * @return the sequence, before its first token
     */
    public DecodingSequence newSequence(int index, int[] prompt, GenerationOptions options) {
        checkPrompt(prompt);
        return newSequence(index, prompt, options,
                Math.min(options.maxNewTokens(), model.config().maxPositionEmbeddings() - prompt.length));
    }

    private DecodingSequence newSequence(int index, int[] prompt, GenerationOptions options, int maxNew) {
        Set<Integer> stopIds = options.ignoreEos() ? Set.of()
                : options.stopTokenIds() != null ? options.stopTokenIds() : eosIds;
        Random random = options.seed() == null ? new Random() : new Random(options.seed() + index);
        return new DecodingSequence(index, prompt, maxNew, options, random, stopIds, tokenizer.newDetokenizer(prompt));
    }

    private void checkPrompt(int[] prompt) {
        if (prompt.length == 0) {
            throw new ModelException("Cannot generate from an empty prompt");
        }
        int context = model.config().maxPositionEmbeddings();
        if (prompt.length >= context) {
            throw new ModelException("Prompt of " + prompt.length + " tokens does not fit the model's context of "
                    + context + " tokens");
        }
    }

    private static List<GenerationResult> results(DecodingSequence[] rows) {
        List<GenerationResult> out = new ArrayList<>(rows.length);
        for (DecodingSequence s : rows) {
            out.add(s.result());
        }
        return out;
    }
}
