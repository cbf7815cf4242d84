package ai.kaizen.trainer.online;

import java.util.List;
import java.util.Map;

/**
 * One iteration of an online trainer: a rollout batch sampled, scored and (unless a guard rail tripped
 * first) trained on.
 *
 * @param responses the scored responses
 * @param metrics the iteration's metrics line (TRL names), without the timings and position the loop adds
 * @param generationSeconds sampling the responses
 * @param scoringSeconds the reward and the forward passes for log-probabilities (PPO: and values), advantages
 * @param updateSeconds the optimizer updates
 * @param trip the guard rail that stopped the run, or null
 */
public record Iteration(List<ScoredResponse> responses, Map<String, Number> metrics, double generationSeconds,
        double scoringSeconds, double updateSeconds, GuardRails.Trip trip) {

    /** @return where the time went, for {@code kaizen bench train} */
    public IterationTimes times() {
        return new IterationTimes(generationSeconds, scoringSeconds, updateSeconds, responses.size(),
                new RolloutStats(responses).meanLength());
    }
}
