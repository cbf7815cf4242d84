package ai.kaizen.trainer.dataset;

import ai.kaizen.model.tokenizer.ChatMessage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;

/**
 * Holds out prompts for evaluation. The split is a function of the prompt's key alone (its system prompt and last
 * user message, normalised) and a seed, so every example about the same question lands in the same split, whatever
 * its answers, its earlier turns or the source it came from: evaluation never sees a prompt that training saw.
 * Being a hash, it is also stable as the data grows: a prompt never moves from one split to the other between
 * versions built with the same seed.
 */
public final class PromptSplitter {

    private final double evalFraction;
    private final long seed;

    /**
     * @param evalFraction share of prompts for evaluation, 0 to 1
     * @param seed         another seed gives another, independent split
     */
    public PromptSplitter(double evalFraction, long seed) {
        if (!(evalFraction >= 0 && evalFraction <= 1)) {
            throw new IllegalArgumentException("evalFraction must be between 0 and 1");
        }
        this.evalFraction = evalFraction;
        this.seed = seed;
    }

    /** The split of an example whose prompt is {@code prompt}. */
    public Split splitOf(List<ChatMessage> prompt) {
        return splitOfKey(key(prompt));
    }

    /** The split of a prompt key (see {@link #key}). */
    public Split splitOfKey(String key) {
        return unitHash(key) < evalFraction ? Split.EVAL : Split.TRAIN;
    }

    /**
     * What identifies a prompt: the system prompt and the last user message, in lower case with runs of white space
     * made one space. Earlier turns are left out on purpose: the same question asked after a different greeting is
     * the same prompt, and must not be in both splits.
     */
    public static String key(List<ChatMessage> prompt) {
        String system = "";
        String lastUser = "";
        for (ChatMessage m : prompt) {
            if (m.role().equals("system") && system.isEmpty()) {
                system = m.content();
            } else if (m.role().equals("user")) {
                lastUser = m.content();
            }
        }
        return normalise(system) + "\n" + normalise(lastUser);
    }

    static String normalise(String text) {
        return text.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }

    /** The key's hash, with the seed, as a number uniform in [0, 1). */
    private double unitHash(String key) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(ByteBuffer.allocate(Long.BYTES).putLong(seed).array());
            byte[] digest = sha.digest(key.getBytes(StandardCharsets.UTF_8));
            long bits = ByteBuffer.wrap(digest).getLong() >>> 11; // 53 bits: exactly representable in a double
            return bits / (double) (1L << 53);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
