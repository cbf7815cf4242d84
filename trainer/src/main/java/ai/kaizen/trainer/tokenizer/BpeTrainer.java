package ai.kaizen.trainer.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Trains a byte-level BPE vocabulary the way Hugging Face's {@code BpeTrainer} does: count the
 * pre-tokenized words, start from the 256 byte symbols, and repeatedly merge the most frequent
 * adjacent pair (ties: the pair of lower ids, so training is deterministic) until the vocabulary
 * is full or no pair occurs {@code minFrequency} times.
 *
 * <p>Text matching {@code keepWhole} (for Kaizen the {@code {{Placeholder}}} tokens of the Bitext
 * answers) is cut out before counting and becomes added tokens, which the tokenizer matches before
 * BPE runs: each occurrence is exactly one token.
 *
 * <p>Pair counts are kept up to date incrementally (only words containing the merged pair are
 * recounted) with a lazily invalidated priority queue, so a few thousand merges over a few
 * megabytes of text take seconds.
 *
 * @param specialTokens control tokens, ids from 0 in this order
 * @param vocabSize the total vocabulary wanted (specials, bytes, merges and kept-whole tokens)
 * @param minFrequency pairs rarer than this are never merged
 * @param keepWhole the pattern of texts kept as single tokens (null for none)
 */
public record BpeTrainer(List<String> specialTokens, int vocabSize, int minFrequency, Pattern keepWhole) {

    /** Validates. */
    public BpeTrainer {
        specialTokens = List.copyOf(specialTokens);
        if (vocabSize < specialTokens.size() + 256) {
            throw new IllegalArgumentException("vocab_size must leave room for the 256 byte symbols");
        }
        if (minFrequency < 1) {
            throw new IllegalArgumentException("min_frequency must be at least 1");
        }
    }

    /**
     * @param texts the training corpus
     * @return the vocabulary
     */
    public BpeVocabulary train(Iterable<String> texts) {
        Map<String, Integer> wordCounts = new HashMap<>();
        Set<String> kept = new TreeSet<>();
        for (String text : texts) {
            for (String segment : segments(text, kept)) {
                for (String piece : ByteLevel.split(segment)) {
                    wordCounts.merge(ByteLevel.encode(piece), 1, Integer::sum);
                }
            }
        }
        List<String> tokens = new ArrayList<>();
        Map<String, Integer> ids = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            ids.put(ByteLevel.symbol(b), tokens.size());
            tokens.add(ByteLevel.symbol(b));
        }
        int mergeBudget = vocabSize - specialTokens.size() - kept.size() - 256;
        List<BpeVocabulary.Merge> merges = mergesOf(wordCounts, tokens, ids, mergeBudget);
        return new BpeVocabulary(specialTokens, tokens, merges, new ArrayList<>(kept));
    }

    /** The text between kept-whole matches (which are collected into {@code kept}). */
    private List<String> segments(String text, Set<String> kept) {
        if (keepWhole == null) {
            return List.of(text);
        }
        List<String> out = new ArrayList<>();
        Matcher m = keepWhole.matcher(text);
        int last = 0;
        while (m.find()) {
            out.add(text.substring(last, m.start()));
            kept.add(m.group());
            last = m.end();
        }
        out.add(text.substring(last));
        return out;
    }

    private static long key(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    private List<BpeVocabulary.Merge> mergesOf(Map<String, Integer> wordCounts, List<String> tokens,
            Map<String, Integer> ids, int budget) {
        // sorted words: the same corpus always gives the same word indices
        List<String> sorted = new ArrayList<>(wordCounts.keySet());
        sorted.sort(null);
        int[][] words = new int[sorted.size()][];
        int[] counts = new int[sorted.size()];
        Map<Long, Long> pairCounts = new HashMap<>();
        Map<Long, Set<Integer>> where = new HashMap<>();
        for (int w = 0; w < words.length; w++) {
            String word = sorted.get(w);
            words[w] = new int[word.length()];
            for (int i = 0; i < word.length(); i++) {
                words[w][i] = ids.get(String.valueOf(word.charAt(i)));
            }
            counts[w] = wordCounts.get(word);
            addPairs(words[w], counts[w], w, pairCounts, where, null);
        }
        // queue entries {count, a, b}: most frequent first, then lower ids; stale entries are skipped
        PriorityQueue<long[]> queue = new PriorityQueue<>((x, y) -> x[0] != y[0] ? Long.compare(y[0], x[0])
                : x[1] != y[1] ? Long.compare(x[1], y[1]) : Long.compare(x[2], y[2]));
        pairCounts.forEach((k, c) -> queue.add(new long[] {c, k >>> 32, k & 0xFFFFFFFFL}));
        List<BpeVocabulary.Merge> merges = new ArrayList<>();
        while (merges.size() < budget && !queue.isEmpty()) {
            long[] top = queue.poll();
            int a = (int) top[1];
            int b = (int) top[2];
            long k = key(a, b);
            long current = pairCounts.getOrDefault(k, 0L);
            if (current != top[0]) {
                continue; // stale
            }
            if (current < minFrequency) {
                break;
            }
            String merged = tokens.get(a) + tokens.get(b);
            Integer id = ids.get(merged);
            if (id == null) {
                id = tokens.size();
                ids.put(merged, id);
                tokens.add(merged);
            }
            merges.add(new BpeVocabulary.Merge(tokens.get(a), tokens.get(b)));
            Set<Long> changed = new HashSet<>();
            for (int w : new ArrayList<>(where.getOrDefault(k, Set.of()))) {
                int[] before = words[w];
                int[] after = merge(before, a, b, id);
                if (after.length == before.length) {
                    continue;
                }
                removePairs(before, counts[w], pairCounts, changed);
                addPairs(after, counts[w], w, pairCounts, where, changed);
                words[w] = after;
            }
            where.remove(k);
            for (long c : changed) {
                long n = pairCounts.getOrDefault(c, 0L);
                if (n > 0) {
                    queue.add(new long[] {n, c >>> 32, c & 0xFFFFFFFFL});
                }
            }
        }
        return merges;
    }

    /** @return the word with every non-overlapping (a, b), left to right, replaced by the merged id */
    static int[] merge(int[] word, int a, int b, int merged) {
        int[] out = new int[word.length];
        int n = 0;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == a && word[i + 1] == b) {
                out[n++] = merged;
                i++;
            } else {
                out[n++] = word[i];
            }
        }
        return n == word.length ? word : java.util.Arrays.copyOf(out, n);
    }

    private static void addPairs(int[] word, int count, int w, Map<Long, Long> pairCounts,
            Map<Long, Set<Integer>> where, Set<Long> changed) {
        for (int i = 0; i + 1 < word.length; i++) {
            long k = key(word[i], word[i + 1]);
            pairCounts.merge(k, (long) count, Long::sum);
            where.computeIfAbsent(k, x -> new HashSet<>()).add(w);
            if (changed != null) {
                changed.add(k);
            }
        }
    }

    private static void removePairs(int[] word, int count, Map<Long, Long> pairCounts, Set<Long> changed) {
        for (int i = 0; i + 1 < word.length; i++) {
            long k = key(word[i], word[i + 1]);
            long n = pairCounts.merge(k, (long) -count, Long::sum);
            if (n <= 0) {
                pairCounts.remove(k);
            }
            changed.add(k);
        }
    }
}
