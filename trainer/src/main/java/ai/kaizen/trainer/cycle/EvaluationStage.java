package ai.kaizen.trainer.cycle;

import ai.kaizen.db.humaneval.BlindPair;
import ai.kaizen.db.humaneval.HumanEvalRepository;
import ai.kaizen.db.humaneval.HumanEvaluation;
import ai.kaizen.db.humaneval.VoteCounts;
import ai.kaizen.db.registry.ModelRegistry;
import ai.kaizen.db.registry.ModelVersion;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.JsonlFormats;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.dataset.PromptSplitter;
import ai.kaizen.trainer.dataset.SftExample;
import ai.kaizen.trainer.dataset.ShippedData;
import ai.kaizen.trainer.dataset.Split;
import ai.kaizen.trainer.dataset.ThumbsExample;
import ai.kaizen.trainer.eval.PolicyComparison;
import ai.kaizen.trainer.registry.ArtifactStore;
import ai.kaizen.trainer.registry.ModelArtifacts;
import ai.kaizen.trainer.sft.SftConfig;
import ai.kaizen.trainer.sft.SftRun;
import ai.kaizen.trainer.sft.SftTrainer;
import ai.kaizen.trainer.training.TokenizedExample;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The evaluation gate. Registers the newest trained model as the cycle's candidate (its files stored and
 * checksummed under the registry), then compares it with the model the cycle trained from on the held-out prompts
 * of the dataset stage (split by prompt before any training): SFT loss on the held-out approved answers, mean
 * answer length (greedy, in tokens), the KL of the candidate's answers to the serving model
 * ({@link PolicyComparison#logRatios}), defective answers ({@link AnswerDefects}), the intent classifier's agreement
 * where prompts carry an intent ({@link IntentJudge}) and, when the cycle has a reward model (its reward_model
 * stage, or {@code reward_model_dir}), its mean score and win rate, together with its own accuracy on the held-out
 * preference pairs and thumbs, which decides whether that win rate counts. {@link GateVerdict} judges; the report
 * is stored on the cycle. When the request asks for reviewers' votes ({@link HumanEvalSettings}) and the automatic
 * checks passed, it also puts blind comparison tasks in the reviewers' queue and leaves the verdict pending
 * ({@link HumanPreference}).
 */
final class EvaluationStage implements CycleStage {

    /** Answers kept in the report as examples. */
    private static final int SAMPLES = 3;
    /** At most this many held-out pairs, and twice as many thumbs, judge the reward model (two scores each). */
    private static final int MAX_JUDGE_PAIRS = 256;
    /** Seeds the bootstrap intervals, so that a report is the same every time it is computed. */
    private static final long BOOTSTRAP_SEED = 42;

    @Override
    public StageKind kind() {
        return StageKind.EVALUATE;
    }

    @Override
    public JsonObject run(CycleContext context) throws Exception {
        ModelVersion candidate = registerCandidate(context);
        JsonObject dataset = context.result(StageKind.DATASET).orElseThrow(() ->
                new IllegalStateException("the evaluate stage needs the dataset stage"));
        JsonObject gate = context.options(kind()).getJsonObject("gate",
                context.request().getJsonObject("gate", new JsonObject()));
        GateThresholds thresholds = GateThresholds.fromJson(gate);
        HumanEvalSettings human = HumanEvalSettings.fromJson(gate);
        int maxPrompts = context.request().getInteger("eval_prompts", 32);
        int maxNewTokens = context.request().getInteger("eval_max_new_tokens", 48);
        // Only held-out prompts: an evaluation on training prompts says how well the candidate remembers, not
        // how it answers; with none held out the gate has no verdict.
        HeldOutPrompts heldOut = HeldOutPrompts.of(SftRun.readSplit(Path.of(dataset.getString("dir")), Split.EVAL),
                maxPrompts);
        int prompts = heldOut.prompts().size();
        JsonObject report = new JsonObject()
                .put("candidate_version_id", candidate.id()).put("candidate", candidate.label())
                .put("serving_version_id", context.base().id()).put("serving", context.base().label())
                .put("prompts", prompts).put("held_out_examples", heldOut.examples().size())
                .put("max_new_tokens", maxNewTokens).put("thresholds", thresholds.toJson());
        context.progress(kind(), 0, 4);

        GateEvidence evidence;
        JsonArray samples = new JsonArray();
        if (prompts == 0) {
            evidence = new GateEvidence(0, new GateEvidence.EvalLoss(Double.NaN, Double.NaN, null), 0, 0, null, 0,
                    null, none(), none(), Map.of(), new GateEvidence.Intents(none(), none(), "no held-out prompts"),
                    null, "no held-out prompts");
        } else {
            Path servingDir = context.baseDir();
            // the trained files the candidate was stored from (the same checksum), not a download of them
            Path candidateDir = context.newestModelDir();
            Measured serving = measure(servingDir, heldOut, maxNewTokens);
            context.progress(kind(), 1, 4);
            Measured trained = measure(candidateDir, heldOut, maxNewTokens);
            context.progress(kind(), 2, 4);
            double[] kl;
            try (LanguageModel c = LanguageModel.load(candidateDir); LanguageModel s = LanguageModel.load(servingDir)) {
                kl = PolicyComparison.logRatios(c.network(), s.network(), trained.answers);
            }
            context.progress(kind(), 3, 4);
            Optional<Path> rmDir = RewardModelStage.of(context);
            GateEvidence.Reward reward = null;
            if (rmDir.isPresent()) {
                try (ResponseScorer rm = CycleStages.scorer(rmDir.get()).orElseThrow()) {
                    reward = judge(rm, heldOut, trained, serving, dataset);
                }
            }
            context.progress(kind(), 4, 4);
            Map<String, Integer> defectKinds = new TreeMap<>();
            trained.answers.forEach(a -> AnswerDefects.of(a.text()).ifPresent(k ->
                    defectKinds.merge(k.name().toLowerCase(java.util.Locale.ROOT), 1, Integer::sum)));
            evidence = new GateEvidence(prompts, evalLoss(serving, trained), serving.meanLength(),
                    trained.meanLength(), Interval.bootstrapMean(difference(trained.lengths(), serving.lengths()),
                            ones(prompts), BOOTSTRAP_SEED), mean(kl),
                    Interval.bootstrapMean(kl, ones(prompts), BOOTSTRAP_SEED), defects(serving), defects(trained),
                    defectKinds, intents(context, heldOut, serving, trained), reward,
                    rmDir.isEmpty() ? "none given (reward_model_dir)" : null);
            for (int i = 0; i < Math.min(SAMPLES, prompts); i++) {
                List<ChatMessage> prompt = heldOut.prompts().get(i);
                samples.add(new JsonObject().put("prompt", prompt.get(prompt.size() - 1).content())
                        .put("candidate", trained.answers.get(i).text()).put("serving", serving.answers.get(i).text()));
            }
        }
        if (evidence.reward() == null) {
            report.put("reward_model", evidence.rewardModelNote());
        }
        GateVerdict verdict = GateVerdict.decide(thresholds, evidence);
        report.mergeIn(verdict.toJson()).put("samples", samples);
        context.log("evaluation gate: " + verdict.reason());
        String outcome = verdict.verdict().label();
        if (human.enabled() && verdict.passed()) {
            report = askReviewers(context, candidate, heldOut, human, report);
            outcome = HumanPreference.PENDING;
        } else if (human.enabled()) {
            // reviewers' time goes to candidates that could still pass
            report.put("human_evaluation", new JsonObject().put("status", "not_asked")
                    .put("note", "the automatic checks did not pass, so no reviewer was asked"));
        }
        CycleReporter.await(new ai.kaizen.db.cycle.CycleRepository(context.sessions())
                .gateReport(context.cycleId(), candidate.id(), report.encode()));
        return new JsonObject().put("candidate_version_id", candidate.id())
                .put("passed", outcome.equals(GateVerdict.Verdict.PASS.label())).put("verdict", outcome);
    }

    /**
     * The human step: both models answer the first held-out prompts (greedily, as for the automatic checks, so that
     * the comparison is of the models and not of sampling's luck; up to {@code human_max_new_tokens}), each pair is
     * stored as a blind task with the candidate on a side drawn at random, and the report says the verdict is
     * pending. The server counts the votes and ends the cycle.
     */
    private static JsonObject askReviewers(CycleContext context, ModelVersion candidate, HeldOutPrompts heldOut,
                                           HumanEvalSettings human, JsonObject report) {
        int count = human.promptsOf(heldOut.prompts().size());
        List<List<ChatMessage>> prompts = heldOut.prompts().subList(0, count);
        PolicyComparison.Settings settings = new PolicyComparison.Settings(human.maxNewTokens(), true, 1.0, 0, 0);
        List<PolicyComparison.Answer> serving = answer(Path.of(context.base().artifactPath()), prompts, settings);
        List<PolicyComparison.Answer> trained = answer(Path.of(candidate.artifactPath()), prompts, settings);
        java.security.SecureRandom random = new java.security.SecureRandom();
        List<BlindPair> pairs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            List<ChatMessage> prompt = prompts.get(i);
            boolean system = !prompt.isEmpty() && prompt.get(0).role().equals("system");
            JsonArray history = new JsonArray();
            prompt.subList(system ? 1 : 0, prompt.size()).forEach(m -> history.add(new JsonObject()
                    .put("role", m.role()).put("content", m.content())));
            boolean candidateFirst = random.nextBoolean();
            String c = trained.get(i).text();
            String s = serving.get(i).text();
            pairs.add(new BlindPair(java.util.UUID.randomUUID(), context.cycleId(), i,
                    system ? prompt.get(0).content() : "", new JsonObject().put("messages", history).encode(),
                    candidateFirst ? c : s, candidateFirst ? s : c, candidateFirst ? "a" : "b"));
        }
        java.time.Instant now = java.time.Instant.now();
        java.time.Instant expires = now.plusMillis(Math.round(human.hours() * 3_600_000));
        CycleReporter.await(new HumanEvalRepository(context.sessions()).create(new HumanEvaluation(
                context.cycleId(), candidate.id(), context.base().id(), human.votes(), now, expires), pairs));
        context.log("human evaluation: " + count + " blind comparison tasks on held-out prompts are in the"
                + " reviewers' queue; the gate waits for " + human.votes() + " votes until " + expires);
        return HumanPreference.pending(report, VoteCounts.NONE, human.votes(), expires, count);
    }

    private static List<PolicyComparison.Answer> answer(Path modelDir, List<List<ChatMessage>> prompts,
                                                        PolicyComparison.Settings settings) {
        try (LanguageModel model = LanguageModel.load(modelDir)) {
            return PolicyComparison.answer(model, prompts, settings);
        }
    }

    private static GateEvidence.Proportion none() {
        return new GateEvidence.Proportion(0, 0);
    }

    /**
     * The held-out prompts the gate uses: the eval split's SFT examples grouped by prompt (as the splitter keys
     * them), the first {@code max} prompts in dataset order; every approved answer of those prompts scores the
     * loss, each prompt is answered once.
     */
    record HeldOutPrompts(List<List<ChatMessage>> prompts, List<SftExample> examples) {

        static HeldOutPrompts of(List<SftExample> eval, int max) {
            Map<String, List<ChatMessage>> byKey = new LinkedHashMap<>();
            List<SftExample> examples = new ArrayList<>();
            for (SftExample e : eval) {
                String key = PromptSplitter.key(e.prompt());
                if (!byKey.containsKey(key) && byKey.size() >= max) {
                    continue;
                }
                byKey.putIfAbsent(key, promptOf(e));
                examples.add(e);
            }
            return new HeldOutPrompts(List.copyOf(byKey.values()), examples);
        }
    }

    /** The reward model on held-out feedback, and on the two models' answers. */
    private static GateEvidence.Reward judge(ResponseScorer rm, HeldOutPrompts heldOut, Measured trained,
                                             Measured serving, JsonObject dataset) {
        List<PreferenceExample> pairs = read(dataset.getString(DatasetStage.PREFERENCES_DIR),
                JsonlFormats::readPreferences);
        List<ThumbsExample> thumbs = read(dataset.getString(DatasetStage.THUMBS_DIR), JsonlFormats::readThumbs);
        GateEvidence.Proportion accuracy = RewardModelAgreement.pairAccuracy(rm,
                pairs.subList(0, Math.min(pairs.size(), MAX_JUDGE_PAIRS)));
        RewardModelAgreement.ThumbsAuc auc = RewardModelAgreement.thumbsAuc(rm,
                thumbs.subList(0, Math.min(thumbs.size(), 2 * MAX_JUDGE_PAIRS)));
        int prompts = heldOut.prompts().size();
        double sumT = 0, sumS = 0, wins = 0;
        for (int i = 0; i < prompts; i++) {
            List<ChatMessage> prompt = heldOut.prompts().get(i);
            double t = rm.score(prompt, trained.answers.get(i).text());
            double s = rm.score(prompt, serving.answers.get(i).text());
            sumT += t;
            sumS += s;
            wins += t > s ? 1 : t == s ? 0.5 : 0;
        }
        return new GateEvidence.Reward(accuracy, auc.auc(), auc.up(), auc.down(), sumS / prompts, sumT / prompts,
                new GateEvidence.Proportion(wins, prompts));
    }

    /** The eval split of a dataset directory the dataset stage wrote (none when it wrote none). */
    private static <E> List<E> read(String dir, java.util.function.Function<java.io.Reader, List<E>> reader) {
        if (dir == null) {
            return List.of();
        }
        Path file = Path.of(dir).resolve(Split.EVAL.label() + ".jsonl");
        if (!Files.exists(file)) {
            return List.of();
        }
        try (java.io.Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return reader.apply(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Per-token loss of both models over the held-out answers, and a bootstrap interval of the increase. */
    private static GateEvidence.EvalLoss evalLoss(Measured serving, Measured trained) {
        double[] differences = difference(trained.losses, serving.losses);
        return new GateEvidence.EvalLoss(weightedMean(serving.losses, serving.targets),
                weightedMean(trained.losses, trained.targets),
                Interval.bootstrapMean(differences, trained.targets, BOOTSTRAP_SEED));
    }

    private static GateEvidence.Proportion defects(Measured m) {
        long bad = m.answers.stream().filter(a -> AnswerDefects.of(a.text()).isPresent()).count();
        return new GateEvidence.Proportion(bad, m.answers.size());
    }

    /** The intent classifier's agreement on the held-out prompts that carry an intent. */
    private static GateEvidence.Intents intents(CycleContext context, HeldOutPrompts heldOut, Measured serving,
                                                Measured trained) {
        IntentJudge judge;
        try {
            judge = IntentJudge.fromBitext(ShippedData.bitext(context.home()));
        } catch (RuntimeException e) {
            return new GateEvidence.Intents(none(), none(), "the intent classifier's data (Bitext) is not available: "
                    + e.getMessage());
        }
        int known = 0, servingHits = 0, candidateHits = 0;
        List<Double> gains = new ArrayList<>();
        for (int i = 0; i < heldOut.prompts().size(); i++) {
            Optional<String> intent = judge.intentOf(heldOut.prompts().get(i));
            if (intent.isPresent()) {
                known++;
                int s = judge.intentOfAnswer(serving.answers.get(i).text()).equals(intent.get()) ? 1 : 0;
                int c = judge.intentOfAnswer(trained.answers.get(i).text()).equals(intent.get()) ? 1 : 0;
                servingHits += s;
                candidateHits += c;
                gains.add((double) (c - s));
            }
        }
        double[] gain = gains.stream().mapToDouble(Double::doubleValue).toArray();
        double[] ones = new double[gain.length];
        java.util.Arrays.fill(ones, 1.0);
        String note = known == 0 ? "no held-out prompt carries an intent (" + IntentJudge.SOURCE + ")"
                : known + " of " + heldOut.prompts().size() + " held-out prompts carry an intent ("
                + IntentJudge.SOURCE + ")";
        return new GateEvidence.Intents(new GateEvidence.Proportion(servingHits, known),
                new GateEvidence.Proportion(candidateHits, known), note, Interval.bootstrapMean(gain, ones, 11));
    }

    private static double[] difference(double[] a, double[] b) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return d;
    }

    private static double[] ones(int n) {
        double[] w = new double[n];
        Arrays.fill(w, 1);
        return w;
    }

    private static double mean(double[] values) {
        return weightedMean(values, ones(values.length));
    }

    private static double weightedMean(double[] values, double[] weights) {
        double sum = 0, weight = 0;
        for (int i = 0; i < values.length; i++) {
            sum += values[i] * weights[i];
            weight += weights[i];
        }
        return weight == 0 ? Double.NaN : sum / weight;
    }

    /** Stores the newest trained model in the registry (once: a resumed cycle finds it registered). */
    private static ModelVersion registerCandidate(CycleContext context) {
        ModelRegistry registry = new ModelRegistry(context.sessions());
        Path trained = context.newestModelDir();
        if (trained.equals(context.baseDir())) {
            throw new IllegalStateException("the cycle trained nothing: no training stage produced a model");
        }
        String sha = ModelArtifacts.checksum(trained);
        String label = "cycle-" + context.cycleId() + "@" + sha.substring(0, 12);
        Optional<ModelVersion> known = CycleReporter.await(registry.findByLabel(label));
        if (known.isPresent()) {
            return known.get();
        }
        ArtifactStore.Stored stored = context.artifacts().store(trained, label);
        JsonObject configuration = new JsonObject();
        JsonObject metrics = new JsonObject();
        for (StageKind kind : StageKind.values()) {
            context.result(kind).ifPresent(r -> {
                if (r.containsKey("config")) {
                    configuration.put(kind.label(), r.getValue("config"));
                }
                JsonObject m = r.copy();
                m.remove("config");
                metrics.put(kind.label(), m);
            });
        }
        Long datasetVersion = context.result(StageKind.DATASET).map(r -> r.getLong("dataset_version_id"))
                .orElse(null);
        ModelVersion version = CycleReporter.await(registry.register(new ModelVersion(label, context.base().id(),
                datasetVersion, context.cycleId(), stored.location(), stored.sha256(), configuration.encode(),
                metrics.encode())));
        context.log("registered candidate " + label + " (model version " + version.id() + ")");
        return version;
    }

    private static List<ChatMessage> promptOf(SftExample example) {
        List<ChatMessage> messages = example.messages();
        int last = messages.size() - 1;
        while (last > 0 && !messages.get(last).role().equals("assistant")) {
            last--;
        }
        return messages.subList(0, last > 0 ? last : messages.size());
    }

    /**
     * One model on the held-out prompts: its greedy answer to each prompt, and its loss on each held-out approved
     * answer with that answer's number of scored tokens.
     */
    private record Measured(List<PolicyComparison.Answer> answers, double[] losses, double[] targets) {

        double[] lengths() {
            return answers.stream().mapToDouble(a -> a.answerIds().length).toArray();
        }

        double meanLength() {
            return answers.stream().mapToInt(a -> a.answerIds().length).average().orElse(0);
        }
    }

    private static Measured measure(Path modelDir, HeldOutPrompts heldOut, int maxNewTokens) {
        try (LanguageModel model = LanguageModel.load(modelDir)) {
            List<PolicyComparison.Answer> answers = PolicyComparison.answer(model, heldOut.prompts(),
                    new PolicyComparison.Settings(maxNewTokens, true, 1.0, 0, 0));
            // The SFT trainer's own held-out loss, so that the gate and training measure the same thing; made
            // after generating, since it marks the weights trainable. One example at a time: the per-example
            // losses give the interval of the increase.
            try (SftTrainer scorer = new SftTrainer(SftConfig.defaults(modelDir), model)) {
                List<TokenizedExample> tokenized = scorer.tokenize(heldOut.examples());
                double[] losses = new double[tokenized.size()];
                double[] targets = new double[tokenized.size()];
                for (int i = 0; i < tokenized.size(); i++) {
                    targets[i] = tokenized.get(i).targetCount();
                    losses[i] = targets[i] == 0 ? 0 : scorer.evaluate(List.of(tokenized.get(i)));
                }
                return new Measured(answers, losses, targets);
            }
        }
    }
}
