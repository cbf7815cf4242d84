package ai.kaizen.model.generation;

import ai.kaizen.model.tokenizer.IncrementalDetokenizer;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;

/**
 * One sequence being generated: its prompt and tokens so far, its own sampling settings, random source, stop
 * tokens and strings and token budget, and the text streamed so far. Whoever runs the network feeds it each row of
 * logits ({@link #offer}); it picks the token, streams it and says whether the sequence goes on. Made by
 * {@link Generator#newSequence}; used from one thread at a time.
 */
public final class DecodingSequence {

    private final int index;
    private final int promptLength;
    private final int maxNew;
    private final int[] history; // prompt then generated
    private final float[] logprobs;
    private final Sampler sampler;
    private final Random random;
    private final Set<Integer> stopIds;
    private final IncrementalDetokenizer detokenizer;
    private final StopStrings stops;
    private final StringBuilder text = new StringBuilder();
    private int length;
    private FinishReason finish;

    DecodingSequence(int index, int[] prompt, int maxNew, GenerationOptions options, Random random,
            Set<Integer> stopIds, IncrementalDetokenizer detokenizer) {
        this.index = index;
        this.promptLength = prompt.length;
        this.maxNew = maxNew;
        this.history = Arrays.copyOf(prompt, prompt.length + maxNew);
        this.logprobs = new float[maxNew];
        this.length = prompt.length;
        this.sampler = new Sampler(options);
        this.random = random;
        this.stopIds = stopIds;
        this.detokenizer = detokenizer;
        this.stops = new StopStrings(options.stopStrings());
    }

    /** @return the prompt's token ids (a copy) */
    public int[] prompt() {
        return Arrays.copyOf(history, promptLength);
    }

    /** @return most tokens this sequence may still generate in all (its budget, within the model's context) */
    public int maxNewTokens() {
        return maxNew;
    }

    /** @return the newest token (the prompt's last before the first is generated) */
    public int lastToken() {
        return history[length - 1];
    }

    /** @return tokens generated so far */
    public int generated() {
        return length - promptLength;
    }

    /** @return whether the sequence has ended (finish reason known) */
    public boolean finished() {
        return finish != null || maxNew == 0;
    }

    /**
     * Chooses the next token from {@code logits}, appends it and tells {@code listener}.
     *
     * @param logits raw logits for the next position (not modified)
     * @param listener told the token; returning false cancels this sequence
     * @return whether the sequence goes on
     */
    public boolean offer(float[] logits, TokenListener listener) {
        if (finished()) {
            throw new IllegalStateException("the sequence has ended");
        }
        Sampler.Choice choice = sampler.choose(logits, history, length, random);
        int token = choice.token();
        float logprob = choice.logprob();
        int n = length - promptLength;
        boolean atLimit = n + 1 == maxNew;
        history[length++] = token;
        logprobs[n] = logprob;
        String delta;
        if (stopIds.contains(token)) {
            finish = FinishReason.EOS;
            delta = stops.offer(detokenizer.flush(), true);
        } else {
            String decoded = detokenizer.add(token);
            delta = stops.offer(decoded, false);
            if (stops.stopped()) {
                finish = FinishReason.STOP_STRING;
            } else if (atLimit) {
                finish = FinishReason.LENGTH;
                delta += stops.offer(detokenizer.flush(), true);
                if (stops.stopped()) {
                    finish = FinishReason.STOP_STRING;
                }
            }
        }
        text.append(delta);
        boolean goOn = listener.onToken(new GeneratedToken(index, n, token, logprob, delta, finish));
        if (!goOn && finish == null) {
            finish = FinishReason.CANCELLED;
        }
        return finish == null;
    }

    /** Ends the sequence now, keeping what it generated (finish reason {@link FinishReason#CANCELLED}). */
    public void cancel() {
        if (finish == null) {
            finish = FinishReason.CANCELLED;
        }
    }

    /** @return what the sequence generated so far, with why it ended ({@code LENGTH} while it has not) */
    public GenerationResult result() {
        int n = length - promptLength;
        return new GenerationResult(Arrays.copyOf(history, promptLength),
                Arrays.copyOfRange(history, promptLength, length), Arrays.copyOf(logprobs, n), text.toString(),
                finish == null ? FinishReason.LENGTH : finish);
    }
}
