package ai.kaizen.server.chat;

import java.util.List;

/**
 * Sampling settings a caller of the OpenAI-compatible API may set for one answer; null keeps the configured one.
 */
public record Overrides(Integer maxNewTokens, Double temperature, Double topP, Long seed, List<String> stop) {
    public static final Overrides NONE = new Overrides(null, null, null, null, List.of());
}
