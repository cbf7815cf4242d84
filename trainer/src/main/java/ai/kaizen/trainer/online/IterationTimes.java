package ai.kaizen.trainer.online;

/**
 * Where one online iteration's time goes (what {@code kaizen bench train} reports).
 *
 * @param generationSeconds sampling the responses
 * @param scoringSeconds the reward, the policy's and reference's (PPO: and critic's) forward passes, advantages
 * @param updateSeconds the updates (forward, backward, optimizer steps)
 * @param episodes responses in the iteration
 * @param meanResponseLength their mean length in tokens
 */
public record IterationTimes(double generationSeconds, double scoringSeconds, double updateSeconds, int episodes,
        double meanResponseLength) {

    /** @return the three together */
    public double totalSeconds() {
        return generationSeconds + scoringSeconds + updateSeconds;
    }
}
