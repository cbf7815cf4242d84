package ai.kaizen.trainer.cycle;

import ai.kaizen.db.registry.ModelRegistry;
import ai.kaizen.db.registry.ModelVersion;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.SftExample;
import ai.kaizen.trainer.eval.PolicyComparison;
import ai.kaizen.trainer.dataset.Split;
import ai.kaizen.trainer.registry.ModelArtifacts;
import ai.kaizen.trainer.sft.SftConfig;
import ai.kaizen.trainer.sft.SftRun;
import ai.kaizen.trainer.sft.SftTrainer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The evaluation gate. Registers the newest trained model as the cycle's candidate (its files stored and
 * checksummed under the registry), then compares it with the model the cycle trained from on held-out prompts
 * (the dataset's eval split): SFT loss on the held-out answers, mean answer length (greedy, in tokens), the KL of
 * the candidate's answers to the serving model ({@link PolicyComparison#meanLogRatio}), and, when the cycle has a
 * reward model (its reward_model stage, or {@code reward_model_dir}), its mean score and win rate. Pass or fail against {@link GateThresholds}; the report is stored on the cycle.
 */
final class EvaluationStage implements CycleStage {

    /** Answers kept in the report as examples. */
    private static final int SAMPLES = 3;

    @Override
    public StageKind kind() {
        return StageKind.EVALUATE;
    }

    @Override
    public JsonObject run(CycleContext context) throws Exception {
        ModelVersion candidate = registerCandidate(context);
        JsonObject dataset = context.result(StageKind.DATASET).orElseThrow(() ->
                new IllegalStateException("the evaluate stage needs the dataset stage"));
        Path data = Path.of(dataset.getString("dir"));
        List<SftExample> heldOut = SftRun.readSplit(data, Split.EVAL);
        if (heldOut.isEmpty()) {
            context.log("no held-out examples; evaluating on the training examples");
            heldOut = SftRun.readSplit(data, Split.TRAIN);
        }
        int prompts = Math.min(heldOut.size(), context.request().getInteger("eval_prompts", 16));
        heldOut = heldOut.subList(0, prompts);
        int maxNewTokens = context.request().getInteger("eval_max_new_tokens", 48);
        context.progress(kind(), 0, 3);

        Path servingDir = Path.of(context.base().artifactPath());
        Path candidateDir = Path.of(candidate.artifactPath());
        Measured serving = measure(servingDir, heldOut, maxNewTokens);
        context.progress(kind(), 1, 3);
        Measured trained = measure(candidateDir, heldOut, maxNewTokens);
        context.progress(kind(), 2, 3);
        double kl;
        try (LanguageModel c = LanguageModel.load(candidateDir); LanguageModel s = LanguageModel.load(servingDir)) {
            kl = PolicyComparison.meanLogRatio(c.network(), s.network(), trained.answers);
        }
        context.progress(kind(), 3, 3);

        GateThresholds thresholds = GateThresholds.fromJson(context.options(kind()).getJsonObject("gate",
                context.request().getJsonObject("gate", new JsonObject())));
        JsonArray checks = new JsonArray();
        boolean passed = true;
        passed &= check(checks, "eval_loss", trained.evalLoss, serving.evalLoss,
                "at most serving + " + thresholds.maxEvalLossIncrease(),
                !(trained.evalLoss > serving.evalLoss + thresholds.maxEvalLossIncrease()));
        passed &= check(checks, "response_length", trained.meanLength(), serving.meanLength(),
                "at most " + thresholds.maxLengthRatio() + " x serving",
                trained.meanLength() <= thresholds.maxLengthRatio() * Math.max(1.0, serving.meanLength()));
        passed &= check(checks, "kl", kl, 0, "at most " + thresholds.maxKl() + " nats per answer",
                !(kl > thresholds.maxKl()));

        JsonObject report = new JsonObject()
                .put("candidate_version_id", candidate.id()).put("candidate", candidate.label())
                .put("serving_version_id", context.base().id()).put("serving", context.base().label())
                .put("prompts", prompts).put("max_new_tokens", maxNewTokens);
        Optional<Path> rmDir = RewardModelStage.of(context);
        Optional<ResponseScorer> scorer = rmDir.flatMap(CycleStages::scorer);
        if (scorer.isPresent()) {
            try (ResponseScorer rm = scorer.get()) {
                double sumT = 0, sumS = 0, wins = 0;
                for (int i = 0; i < prompts; i++) {
                    List<ChatMessage> prompt = promptOf(heldOut.get(i));
                    double t = rm.score(prompt, trained.answers.get(i).text());
                    double s = rm.score(prompt, serving.answers.get(i).text());
                    sumT += t;
                    sumS += s;
                    wins += t > s ? 1 : t == s ? 0.5 : 0;
                }
                double winRate = wins / prompts;
                check(checks, "reward_score", sumT / prompts, sumS / prompts, "reported", true);
                passed &= check(checks, "win_rate", winRate, 1 - winRate, "at least " + thresholds.minWinRate(),
                        winRate >= thresholds.minWinRate());
            }
        } else {
            report.put("reward_model", rmDir.isEmpty() ? "none given (reward_model_dir)"
                    : "no reward-model scorer is wired in this build");
        }
        JsonArray samples = new JsonArray();
        for (int i = 0; i < Math.min(SAMPLES, prompts); i++) {
            List<ChatMessage> prompt = promptOf(heldOut.get(i));
            samples.add(new JsonObject().put("prompt", prompt.get(prompt.size() - 1).content())
                    .put("candidate", trained.answers.get(i).text()).put("serving", serving.answers.get(i).text()));
        }
        report.put("checks", checks).put("samples", samples).put("passed", passed);
        CycleReporter.await(new ai.kaizen.db.cycle.CycleRepository(context.sessions())
                .gateReport(context.cycleId(), candidate.id(), report.encode()));
        context.log("evaluation gate " + (passed ? "passed" : "failed") + ": " + checks.encode());
        return new JsonObject().put("candidate_version_id", candidate.id()).put("passed", passed);
    }

    private static boolean check(JsonArray checks, String name, double candidate, double serving, String rule,
                                 boolean passed) {
        checks.add(new JsonObject().put("name", name).put("candidate", finite(candidate))
                .put("serving", finite(serving)).put("rule", rule).put("passed", passed));
        return passed;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** Stores the newest trained model in the registry (once: a resumed cycle finds it registered). */
    private static ModelVersion registerCandidate(CycleContext context) {
        ModelRegistry registry = new ModelRegistry(context.sessions());
        Path trained = context.newestModelDir();
        if (trained.equals(Path.of(context.base().artifactPath()))) {
            throw new IllegalStateException("the cycle trained nothing: no training stage produced a model");
        }
        String sha = ModelArtifacts.checksum(trained);
        String label = "cycle-" + context.cycleId() + "@" + sha.substring(0, 12);
        Optional<ModelVersion> known = CycleReporter.await(registry.findByLabel(label));
        if (known.isPresent()) {
            return known.get();
        }
        ModelArtifacts.Stored stored = ModelArtifacts.under(context.home()).store(trained, label);
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
                datasetVersion, context.cycleId(), stored.dir().toString(), stored.sha256(), configuration.encode(),
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

    /** One model's held-out loss and greedy answers. */
    private record Measured(double evalLoss, List<PolicyComparison.Answer> answers) {
        double meanLength() {
            return answers.stream().mapToInt(a -> a.answerIds().length).average().orElse(0);
        }
    }

    private static Measured measure(Path modelDir, List<SftExample> heldOut, int maxNewTokens) {
        try (LanguageModel model = LanguageModel.load(modelDir)) {
            List<List<ChatMessage>> prompts = heldOut.stream().map(EvaluationStage::promptOf).toList();
            List<PolicyComparison.Answer> answers = PolicyComparison.answer(model, prompts,
                    new PolicyComparison.Settings(maxNewTokens, true, 1.0, 0, 0));
            // The SFT trainer's own held-out loss, so that the gate and training measure the same thing; made
            // after generating, since it marks the weights trainable.
            try (SftTrainer scorer = new SftTrainer(SftConfig.defaults(modelDir), model)) {
                return new Measured(scorer.evaluate(scorer.tokenize(heldOut)), answers);
            }
        }
    }
}
