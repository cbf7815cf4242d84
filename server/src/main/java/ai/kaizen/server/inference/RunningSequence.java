package ai.kaizen.server.inference;

import ai.kaizen.model.generation.DecodingSequence;
import ai.kaizen.model.llama.KvCache;

import java.util.Arrays;

/**
 * One sequence in a decode loop's batch: its prompt being read chunk by chunk, then one token per step, in a
 * key/value cache of its own (so that it can join and leave between steps), with the memory it reserved.
 */
final class RunningSequence {

    final PendingGeneration owner;
    final int index;
    final DecodingSequence sequence;
    final KvCache cache;
    final long reservedBytes;
    private final int[] prompt;
    private int prefilled;

    RunningSequence(PendingGeneration owner, int index, DecodingSequence sequence, KvCache cache,
                    long reservedBytes) {
        this.owner = owner;
        this.index = index;
        this.sequence = sequence;
        this.cache = cache;
        this.reservedBytes = reservedBytes;
        this.prompt = sequence.prompt();
    }

    /** Whether its prompt has been read entirely (it then decodes one token per step). */
    boolean prefilled() {
        return prefilled == prompt.length;
    }

    /** The next at most {@code n} prompt tokens, as one row, counted as read. */
    int[][] nextChunk(int n) {
        int to = Math.min(prompt.length, prefilled + n);
        int[] chunk = Arrays.copyOfRange(prompt, prefilled, to);
        prefilled = to;
        return new int[][] {chunk};
    }

    /** Whether it stays in the batch: not finished, and its request neither failed nor cancelled. */
    boolean alive() {
        return !sequence.finished() && !owner.done();
    }
}
