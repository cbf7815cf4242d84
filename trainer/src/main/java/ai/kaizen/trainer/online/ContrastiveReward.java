package ai.kaizen.trainer.online;

import ai.kaizen.trainer.reward.RewardStats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A reward that pays for answering <em>this</em> request: the wrapped reward of the answer to its own prompt, minus
 * {@code weight} times the reward of the same answer to another prompt of the run. An answer that would please the
 * reward model whatever was asked (a fluent template, the failure online RL showed against Kaizen's reward models)
 * earns about {@code 1 - weight} of its score; an answer that fits its request and no other keeps the whole of it.
 * With weight 1 only the part of the score that depends on the request is left.
 *
 * <p>The other prompt is drawn from the batch and the prompts of earlier batches (a bounded, seeded pool), never
 * the answer's own. Scores are normalised as the wrapped reward's, with the mean scaled by {@code 1 - weight}: the
 * expected reward of an answer that fits any request equally. Every answer is scored twice, in one call of the
 * wrapped reward.
 */
public final class ContrastiveReward implements Reward {

    /** Distinct prompts kept to draw the other prompt from. */
    static final int POOL = 256;

    private final Reward reward;
    private final double weight;
    private final Random random;
    private final List<Reward.Sample> pool = new ArrayList<>();

    /**
     * @param reward the reward to contrast (owned from now on: {@link #close} closes it)
     * @param weight how much of the score under another prompt is taken off, in (0, 1]
     * @param seed draws the other prompts
     */
    public ContrastiveReward(Reward reward, double weight, long seed) {
        if (!(weight > 0 && weight <= 1)) {
            throw new IllegalArgumentException("reward_contrast must be in (0, 1]");
        }
        this.reward = reward;
        this.weight = weight;
        this.random = new Random(seed);
    }

    @Override
    public float[] score(List<Sample> samples) {
        for (Sample s : samples) {
            remember(s);
        }
        List<Sample> elsewhere = new ArrayList<>(samples.size());
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            Sample other = otherPrompt(s);
            elsewhere.add(other == null ? s
                    : new Sample(other.promptIds(), s.responseIds(), other.prompt(), s.response()));
        }
        List<Sample> both = new ArrayList<>(samples);
        both.addAll(elsewhere);
        float[] scores = reward.score(both);
        float[] out = new float[samples.size()];
        for (int i = 0; i < out.length; i++) {
            // with no other prompt yet (the run's first single-prompt batch) an answer is charged its own score,
            // as if every request scored it alike: it earns 1 - weight of it, like a template
            out[i] = (float) (scores[i] - weight * scores[samples.size() + i]);
        }
        return out;
    }

    private void remember(Sample s) {
        for (Sample known : pool) {
            if (Arrays.equals(known.promptIds(), s.promptIds())) {
                return;
            }
        }
        if (pool.size() < POOL) {
            pool.add(s);
        } else {
            pool.set(random.nextInt(POOL), s);
        }
    }

    private Sample otherPrompt(Sample s) {
        List<Sample> others = pool.stream().filter(p -> !Arrays.equals(p.promptIds(), s.promptIds())).toList();
        return others.isEmpty() ? null : others.get(random.nextInt(others.size()));
    }

    @Override
    public RewardStats stats() {
        RewardStats inner = reward.stats();
        return new RewardStats(inner.mean() * (1 - weight), inner.std());
    }

    @Override
    public void close() {
        reward.close();
    }
}
