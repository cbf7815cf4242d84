package ai.kaizen.trainer.reward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.head.ScalarHead;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.device.TrainingDevice;
import ai.kaizen.trainer.training.Batch;
import ai.kaizen.trainer.training.ChatTokenization;
import ai.kaizen.trainer.training.TokenizedExample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A reward model: a language model's backbone plus a {@link ScalarHead} read at the last token of
 * a conversation (prompt and answer, rendered with the chat template). Loaded from what
 * {@link RewardTrainer} writes: a Hugging Face directory, {@code scalar_head.safetensors} and
 * {@code reward_stats.json}.
 *
 * <pre>{@code
 * try (RewardModel rm = RewardModel.load(dir)) {
 *     List<RewardModel.Reward> r = rm.score(List.of(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello!"))));
 *     double forPpo = r.get(0).normalized();
 * }
 * }</pre>
 *
 * Not thread-safe (one scoring at a time), like the model underneath.
 */
public final class RewardModel implements AutoCloseable {

    /**
     * One conversation's reward.
     *
     * @param raw the head's output
     * @param normalized {@code (raw - mean) / std} with the training set's statistics
     */
    public record Reward(double raw, double normalized) {}

    /** Conversations scored together by {@link #score}. */
    static final int BATCH = 8;

    private final LanguageModel model;
    private final ScalarHead head;
    private final RewardStats stats;
    private final boolean owned;
    private final ChatTokenization tokenization;
    /** What the chat template writes after an assistant turn's end ({@link #scoreAnswers}). */
    private final int[] turnSuffix;

    RewardModel(LanguageModel model, ScalarHead head, RewardStats stats, boolean owned) {
        this.model = model;
        this.head = head;
        this.stats = stats;
        this.owned = owned;
        this.tokenization = new ChatTokenization(model.tokenizer(), model.network().config().maxPositionEmbeddings());
        this.turnSuffix = turnSuffix();
    }

    /**
     * A reward model from parts already in memory (benchmarks, tests).
     *
     * @param model the backbone with its tokenizer (owned from now on)
     * @param head the head (owned from now on)
     * @param stats the normalisation statistics
     * @return the reward model
     */
    public static RewardModel of(LanguageModel model, ScalarHead head, RewardStats stats) {
        return new RewardModel(model, head, stats, true);
    }

    /**
     * @param dir a reward model directory
     * @return the model, in float32 on the CPU
     * @throws ai.kaizen.model.ModelException if the directory is not a model or has no scalar head
     */
    public static RewardModel load(Path dir) {
        LanguageModel lm = LanguageModel.load(dir, TrainingDevice.modelOptions());
        try {
            RewardStats stats = RewardStats.read(dir);
            return new RewardModel(lm, ScalarHead.load(lm.network(), dir), stats, true);
        } catch (RuntimeException e) {
            lm.close();
            throw e;
        }
    }

    /** @return the language model underneath (tokenizer, backbone) */
    public LanguageModel languageModel() {
        return model;
    }

    /** @return the head */
    public ScalarHead head() {
        return head;
    }

    /** @return the normalisation statistics */
    public RewardStats stats() {
        return stats;
    }

    /**
     * Scores complete conversations, each ending with the assistant answer to judge.
     *
     * @param conversations the conversations
     * @return one reward per conversation, in order
     */
    public List<Reward> score(List<List<ChatMessage>> conversations) {
        List<TokenizedExample> sequences = new ArrayList<>(conversations.size());
        for (List<ChatMessage> c : conversations) {
            sequences.add(tokenization.tokenize(c));
        }
        return rewards(rawScores(sequences));
    }

    /**
     * Scores conversations already rendered and tokenised with this model's chat template (PPO's
     * prompt plus generated answer ids); the score is read at the last id of each.
     *
     * @param sequences token ids, each non-empty
     * @return one reward per sequence, in order
     */
    public List<Reward> scoreIds(List<int[]> sequences) {
        return scoreRendered(sequences);
    }

    /**
     * Scores answers the policy generated to rendered prompts, read where the reward model was trained to read:
     * after the whole rendered conversation. An answer that ended its turn (with an end-of-sequence id) gets what
     * the chat template writes after an assistant turn's end (ChatML: a newline), so that prompt + answer is the
     * same sequence {@link #score} scores; read at the end-of-turn id itself, the score comes from a position the
     * model never learnt, which online RL then optimises instead of the reward.
     *
     * @param promptIds the rendered prompts
     * @param answerIds each prompt's generated answer ids
     * @return one reward per answer, in order
     */
    public List<Reward> scoreAnswers(List<int[]> promptIds, List<int[]> answerIds) {
        java.util.Set<Integer> ends = new java.util.HashSet<>(model.generationConfig().eosTokenIds());
        List<int[]> sequences = new ArrayList<>(promptIds.size());
        for (int i = 0; i < promptIds.size(); i++) {
            int[] prompt = promptIds.get(i);
            int[] answer = answerIds.get(i);
            boolean ended = answer.length > 0 && ends.contains(answer[answer.length - 1]);
            int[] tail = ended ? turnSuffix : new int[0];
            int[] all = new int[prompt.length + answer.length + tail.length];
            System.arraycopy(prompt, 0, all, 0, prompt.length);
            System.arraycopy(answer, 0, all, prompt.length, answer.length);
            System.arraycopy(tail, 0, all, prompt.length + answer.length, tail.length);
            sequences.add(all);
        }
        return scoreRendered(sequences);
    }

    /** What the chat template writes after an assistant turn's end-of-sequence id (empty when nothing). */
    private int[] turnSuffix() {
        java.util.Set<Integer> ends = new java.util.HashSet<>(model.generationConfig().eosTokenIds());
        int[] ids = model.tokenizer().encodeChat(List.of(ChatMessage.user("a"), ChatMessage.assistant("b")), false);
        for (int i = ids.length - 1; i >= 0; i--) {
            if (ends.contains(ids[i])) {
                return java.util.Arrays.copyOfRange(ids, i + 1, ids.length);
            }
        }
        return new int[0];
    }

    private List<Reward> scoreRendered(List<int[]> sequences) {
        List<TokenizedExample> examples = new ArrayList<>(sequences.size());
        for (int[] ids : sequences) {
            if (ids.length == 0) {
                throw new IllegalArgumentException("cannot score an empty sequence");
            }
            examples.add(new TokenizedExample(ids, new boolean[ids.length]));
        }
        return rewards(rawScores(examples));
    }

    private List<Reward> rewards(double[] raw) {
        List<Reward> out = new ArrayList<>(raw.length);
        for (double r : raw) {
            out.add(new Reward(r, stats.normalize(r)));
        }
        return out;
    }

    /**
     * Raw rewards of tokenised sequences, in batches, without gradients.
     *
     * @param sequences token sequences
     * @return one raw reward each
     */
    double[] rawScores(List<TokenizedExample> sequences) {
        double[] out = new double[sequences.size()];
        for (int from = 0; from < sequences.size(); from += BATCH) {
            List<TokenizedExample> chunk = sequences.subList(from, Math.min(sequences.size(), from + BATCH));
            try (NDManager m = model.network().manager().newSubManager(); NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                float[] scores = scores(chunk, m).toFloatArray();
                for (int i = 0; i < scores.length; i++) {
                    out[from + i] = scores[i];
                }
            }
        }
        return out;
    }

    /**
     * The head's output at the last real token of each sequence (right-padded batch), differentiable
     * when the weights train: the one place sequences become rewards, for training and scoring alike.
     *
     * @param sequences token sequences (at least one of two or more tokens)
     * @param manager owner of the inputs and the result
     * @return (N) float32 rewards
     */
    NDArray scores(List<TokenizedExample> sequences, NDManager manager) {
        Batch batch = Batch.of(sequences, manager);
        NDArray hidden = model.network().hiddenStates(batch.inputIds(), batch.attentionMask(), false).hidden();
        return head.score(hidden, batch.attentionMask());
    }

    /** Frees the model and head if this object loaded them. */
    @Override
    public void close() {
        if (owned) {
            head.close();
            model.close();
        }
    }
}
