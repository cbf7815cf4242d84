package ai.kaizen.trainer.dataset;

import ai.kaizen.db.dataset.DatasetItem;
import ai.kaizen.db.dataset.DatasetRepository;
import ai.kaizen.db.dataset.DatasetVersion;
import io.vertx.core.json.JsonObject;
import org.hibernate.reactive.stage.Stage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/**
 * Builds dataset versions from the feedback in the database, and rebuilds recorded ones.
 *
 * <p>A build reads the feedback as it stood at a cut-off ({@link FeedbackSnapshot}), asks every
 * {@link FeedbackSource} of the kind being built for its examples, sorts them (by source, then ids: the same
 * database and cut-off give the same dataset), assigns each to a split by its prompt ({@link PromptSplitter}), and
 * records the version with the ids of every example. {@link #rebuild} reads those ids back: the same examples in
 * the same order and splits, whatever feedback arrived or changed since.
 *
 * <p>The default sources: SFT from {@link RatedAnswers}; preferences from {@link PairwiseChoices},
 * {@link StarsDifferences} and ties ({@link TiedAnswers}); thumbs from {@link ThumbsLabels}, {@link StarsLabels} and
 * {@link BothBadAnswers}; reviewers' rankings through {@link RankedAnswers} and their ideal answers through
 * {@link IdealAnswers}.
 */
public final class DatasetBuilder {

    private static final Logger log = LoggerFactory.getLogger(DatasetBuilder.class);

    private final Stage.SessionFactory sessions;
    private final DatasetRepository datasets;
    private final List<FeedbackSource> sources;

    /** A builder with the {@link #defaultSources()}. */
    public DatasetBuilder(Stage.SessionFactory sessions) {
        this(sessions, defaultSources());
    }

    /** A builder with the given sources; at most one per kind of dataset and {@link FeedbackSource#kind()}. */
    public DatasetBuilder(Stage.SessionFactory sessions, List<FeedbackSource> sources) {
        this.sessions = Objects.requireNonNull(sessions);
        this.datasets = new DatasetRepository(sessions);
        this.sources = List.copyOf(sources);
        Map<String, FeedbackSource> seen = new HashMap<>();
        for (FeedbackSource s : this.sources) {
            if (seen.put(s.datasetKind().label() + "/" + s.kind(), s) != null) {
                throw new IllegalArgumentException("two sources named " + s.kind() + " for " + s.datasetKind());
            }
        }
    }

    /**
     * Every source built today: ratings, pairwise choices, stars differences, ties, thumbs, stars labels, both-bad
     * verdicts, and reviewers' rankings and ideal answers.
     */
    public static List<FeedbackSource> defaultSources() {
        return List.of(new RatedAnswers(), new PairwiseChoices(), new StarsDifferences(), new TiedAnswers(),
                new ThumbsLabels(), new StarsLabels(), new BothBadAnswers(), new RankedAnswers(), new IdealAnswers());
    }

    /** Builds and records an SFT dataset from the feedback given up to {@code cutOff}. */
    public CompletionStage<Dataset<SftExample>> buildSft(Instant cutOff, DatasetParameters parameters) {
        return build(DatasetKind.SFT, SftExample.class, cutOff, parameters);
    }

    /** Builds and records a preference dataset from the feedback given up to {@code cutOff}. */
    public CompletionStage<Dataset<PreferenceExample>> buildPreferences(Instant cutOff, DatasetParameters parameters) {
        return build(DatasetKind.PREFERENCE, PreferenceExample.class, cutOff, parameters);
    }

    /** Builds and records a thumbs dataset from the feedback given up to {@code cutOff}. */
    public CompletionStage<Dataset<ThumbsExample>> buildThumbs(Instant cutOff, DatasetParameters parameters) {
        return build(DatasetKind.THUMBS, ThumbsExample.class, cutOff, parameters);
    }

    private <E extends Example> CompletionStage<Dataset<E>> build(DatasetKind kind, Class<E> type, Instant cutOff,
                                                                  DatasetParameters parameters) {
        return FeedbackSnapshot.load(sessions, cutOff).thenCompose(snapshot -> {
            DatasetStats stats = new DatasetStats();
            if (snapshot.interruptedAnswers() > 0) {
                stats.add("snapshot.interrupted_answers", snapshot.interruptedAnswers());
            }
            List<Candidate> candidates = new ArrayList<>();
            for (FeedbackSource source : sources) {
                if (source.datasetKind() == kind) {
                    List<Candidate> found = source.collect(snapshot, parameters, stats);
                    stats.add(source.kind() + ".examples", found.size());
                    candidates.addAll(found);
                }
            }
            candidates.sort(Candidate::compare);
            PromptSplitter splitter = parameters.splitter();
            List<DatasetItem> items = new ArrayList<>();
            List<E> train = new ArrayList<>();
            List<E> eval = new ArrayList<>();
            for (Candidate c : candidates) {
                Split split = splitter.splitOf(c.example().prompt());
                (split == Split.TRAIN ? train : eval).add(type.cast(c.example()));
                items.add(new DatasetItem(items.size(), split.label(), c.sourceKind(), c.sourceIds(),
                        c.promptMessageId(), c.answerId(), c.otherAnswerId(), c.label()));
            }
            DatasetVersion version = new DatasetVersion(kind.label(), cutOff, parameters.toJson().encode(),
                    train.size(), eval.size(), new JsonObject(new HashMap<>(stats.asMap())).encode());
            return datasets.record(version, items).thenApply(recorded -> {
                log.info("dataset {} ({}): {} train, {} eval, cut-off {}, {}", recorded.id(), kind.label(),
                        train.size(), eval.size(), cutOff, stats.asMap());
                return new Dataset<>(recorded.id(), kind, cutOff, parameters, train, eval, stats.asMap());
            });
        });
    }

    /**
     * The recorded version {@code versionId}, example for example: the same source rows, in the same order and the
     * same splits, read from the messages they name. Fails when the version does not exist, or when a message it
     * names was deleted since.
     */
    public CompletionStage<Dataset<? extends Example>> rebuild(long versionId) {
        return datasets.find(versionId).thenCompose(found -> {
            DatasetVersion version = found.orElseThrow(() -> new NoSuchElementException(
                    "no dataset version " + versionId));
            DatasetKind kind = DatasetKind.of(version.kind());
            return datasets.items(versionId).thenCompose(items -> {
                List<UUID> ids = new ArrayList<>();
                for (DatasetItem item : items) {
                    for (UUID id : new UUID[] {item.promptMessageId(), item.answerId(), item.otherAnswerId()}) {
                        if (id != null) {
                            ids.add(id);
                        }
                    }
                }
                return FeedbackSnapshot.loadConversationsOf(sessions, ids)
                        .thenApply(snapshot -> restore(version, kind, items, snapshot));
            });
        });
    }

    private Dataset<Example> restore(DatasetVersion version, DatasetKind kind, List<DatasetItem> items,
                                     FeedbackSnapshot snapshot) {
        List<Example> train = new ArrayList<>();
        List<Example> eval = new ArrayList<>();
        for (DatasetItem item : items) {
            FeedbackSource source = sources.stream()
                    .filter(s -> s.datasetKind() == kind && s.kind().equals(item.sourceKind()))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("dataset " + version.id() + " has items from "
                            + item.sourceKind() + ", a source this builder does not have"));
            Example example;
            try {
                example = source.restore(item, snapshot);
            } catch (NoSuchElementException e) {
                throw new IllegalStateException("cannot rebuild dataset " + version.id() + " item "
                        + item.position() + ": " + e.getMessage(), e);
            }
            (Split.of(item.split()) == Split.TRAIN ? train : eval).add(example);
        }
        Map<String, Integer> stats = new HashMap<>();
        new JsonObject(version.stats()).forEach(e -> stats.put(e.getKey(), ((Number) e.getValue()).intValue()));
        return new Dataset<>(version.id(), kind, version.cutOff(),
                DatasetParameters.fromJson(new JsonObject(version.parameters())), train, eval, stats);
    }
}
