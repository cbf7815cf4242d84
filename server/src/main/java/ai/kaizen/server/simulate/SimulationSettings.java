package ai.kaizen.server.simulate;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What a simulation does.
 *
 * @param url          the server
 * @param apiKey       a key for the OpenAI-compatible API
 * @param customers    how many customers visit, one message each
 * @param concurrency  how many visit at once
 * @param noise        the share of judgements flipped at random
 * @param shares       how often each kind of feedback is given
 * @param seed         seeds the split of the prompts and every customer's draws
 * @param maxTokens    the longest answer, in the feedback phase and the comparison
 * @param evalPrompts  messages kept away from the customers for comparing the cycle's candidate
 * @param timeout      how long one request may take
 * @param operator     the operator who starts the cycle, or null for no cycle
 * @param password     the operator's password, or null
 * @param cycleRequest the cycle's request for {@code POST /api/console/cycles}, or null for no cycle
 * @param cycleTimeout how long to wait for the cycle to end
 * @param out          the folder for {@code interactions.jsonl}, {@code comparison.jsonl} and {@code summary.json}
 */
public record SimulationSettings(URI url, String apiKey, int customers, int concurrency, double noise,
                                 FeedbackShares shares, long seed, int maxTokens, int evalPrompts, Duration timeout,
                                 String operator, String password, JsonObject cycleRequest, Duration cycleTimeout,
                                 Path out) {

    /** @return these settings writing under {@code folder} */
    public SimulationSettings withOut(Path folder) {
        return new SimulationSettings(url, apiKey, customers, concurrency, noise, shares, seed, maxTokens, evalPrompts,
                timeout, operator, password, cycleRequest, cycleTimeout, folder);
    }

    public SimulationSettings {
        if (customers < 1 || concurrency < 1 || maxTokens < 1 || evalPrompts < 0) {
            throw new IllegalArgumentException("customers, concurrency and max tokens must be at least 1, "
                    + "eval prompts at least 0");
        }
        if (!(noise >= 0 && noise <= 1)) {
            throw new IllegalArgumentException("noise must be between 0 and 1");
        }
        if (cycleRequest != null && (operator == null || password == null)) {
            throw new IllegalArgumentException("starting a cycle needs an operator and the operator's password");
        }
    }
}
