package ai.kaizen.trainer.starter;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A multinomial naive Bayes classifier over word unigrams and bigrams (Laplace smoothing): from an
 * agent's answer, which customer intent it addresses. It judges the starter model's answers; its
 * own accuracy on reference answers says how far that judgement can be trusted.
 */
public final class IntentClassifier {

    /** Words (letters, digits, apostrophes) and whole {@code {{Placeholders}}}. */
    private static final Pattern WORD = Pattern.compile("\\{\\{[^{}]+\\}\\}|[\\p{L}\\p{N}']+");

    private final List<String> labels;
    private final double[] logPriors;
    private final List<Map<String, Double>> logLikelihoods;
    private final double[] unseenLogLikelihood;
    private final Set<String> vocabulary;

    private IntentClassifier(List<String> labels, double[] logPriors, List<Map<String, Double>> logLikelihoods,
            double[] unseenLogLikelihood, Set<String> vocabulary) {
        this.vocabulary = vocabulary;
        this.labels = labels;
        this.logPriors = logPriors;
        this.logLikelihoods = logLikelihoods;
        this.unseenLogLikelihood = unseenLogLikelihood;
    }

    /**
     * @param texts training texts
     * @param intents their labels, parallel to {@code texts}
     * @param alpha additive smoothing (1 is Laplace)
     * @return the classifier
     */
    public static IntentClassifier train(List<String> texts, List<String> intents, double alpha) {
        if (texts.size() != intents.size() || texts.isEmpty()) {
            throw new IllegalArgumentException("need as many labels as texts, and at least one");
        }
        Map<String, Map<String, Integer>> counts = new TreeMap<>();
        Map<String, Integer> docs = new TreeMap<>();
        Set<String> vocabulary = new HashSet<>();
        for (int i = 0; i < texts.size(); i++) {
            Map<String, Integer> c = counts.computeIfAbsent(intents.get(i), k -> new HashMap<>());
            docs.merge(intents.get(i), 1, Integer::sum);
            for (String f : features(texts.get(i))) {
                c.merge(f, 1, Integer::sum);
                vocabulary.add(f);
            }
        }
        List<String> labels = new ArrayList<>(counts.keySet());
        double[] priors = new double[labels.size()];
        double[] unseen = new double[labels.size()];
        List<Map<String, Double>> likelihoods = new ArrayList<>();
        for (int k = 0; k < labels.size(); k++) {
            Map<String, Integer> c = counts.get(labels.get(k));
            long total = c.values().stream().mapToLong(Integer::longValue).sum();
            double denominator = Math.log(total + alpha * vocabulary.size());
            Map<String, Double> l = new HashMap<>();
            c.forEach((f, n) -> l.put(f, Math.log(n + alpha) - denominator));
            likelihoods.add(l);
            unseen[k] = Math.log(alpha) - denominator;
            priors[k] = Math.log(docs.get(labels.get(k)) / (double) texts.size());
        }
        return new IntentClassifier(labels, priors, likelihoods, unseen, vocabulary);
    }

    /** @return lower-cased words and adjacent word pairs */
    static List<String> features(String text) {
        List<String> words = new ArrayList<>();
        Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT));
        while (m.find()) {
            words.add(m.group());
        }
        List<String> out = new ArrayList<>(words);
        for (int i = 0; i + 1 < words.size(); i++) {
            out.add(words.get(i) + ' ' + words.get(i + 1));
        }
        return out;
    }

    /**
     * @param text an answer
     * @return the most likely intent
     */
    public String classify(String text) {
        List<String> features = features(text);
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < labels.size(); k++) {
            double score = logPriors[k];
            Map<String, Double> l = logLikelihoods.get(k);
            for (String f : features) {
                if (!vocabulary.contains(f)) {
                    continue; // a feature no class has seen says nothing (as scikit-learn drops it)
                }
                score += l.getOrDefault(f, unseenLogLikelihood[k]);
            }
            if (score > bestScore) {
                bestScore = score;
                best = k;
            }
        }
        return labels.get(best);
    }

    /** @return the intents it knows, sorted */
    public List<String> intents() {
        return List.copyOf(labels);
    }
}
