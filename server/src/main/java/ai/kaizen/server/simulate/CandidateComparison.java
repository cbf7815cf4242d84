package ai.kaizen.server.simulate;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.cycle.AnswerJudge.Assessment;
import ai.kaizen.server.simulate.CustomerJudge.Choice;
import ai.kaizen.trainer.cycle.GateThresholds;
import ai.kaizen.trainer.cycle.Interval;
import ai.kaizen.trainer.eval.PolicyComparison;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The cycle's candidate against the model it was trained from, on the evaluation prompts (which no customer sent,
 * so no training saw them), judged as the customers judge, without their noise: each model's intent match with its
 * Wilson interval, and the candidate's win rate over the serving model (a tie or "both bad" counting half, as in the
 * online comparison) with its Wilson interval.
 *
 * <p>Both models answer here, in this process, from the files the registry lists ({@code artifact_path} in {@code
 * GET /api/console/models}), greedily, through the chat template with the server's system prompt: the same
 * settings for both, deterministic, and nothing the comparison does reaches the server's feedback (an online
 * comparison would store its answers and choices as feedback that later cycles train on, would sample, and would
 * go at the speed of the API's rate limits). The price: the simulator must run where the server's model files can be
 * read (its host, as the same user, or a shared volume); otherwise the comparison is skipped and says why.
 *
 * <p>The simulator's own verdict applies the gate's thresholds to these figures: it passes when the win rate is at
 * least {@code min_win_rate} and the candidate's intent match is at most {@code max_intent_match_drop} below the
 * serving model's, and it agrees with the gate when both pass or both fail (a gate without a verdict is not
 * compared).
 */
final class CandidateComparison {

    private final KaizenClient client;
    private final CustomerJudge judge;
    private final int maxTokens;

    CandidateComparison(KaizenClient client, CustomerJudge judge, int maxTokens) {
        this.client = client;
        this.judge = judge;
        this.maxTokens = maxTokens;
    }

    /**
     * @param cycle   the ended cycle
     * @param prompts the evaluation prompts
     * @param rows    where each prompt's two answers and their judgement go, one JSON line each
     * @return the figures, or {@code {"skipped": reason}}
     */
    JsonObject run(CycleRehearsal.Outcome cycle, List<SimulationPrompt> prompts, Path rows) {
        if (cycle.candidateVersionId() == null) {
            return skipped("the cycle registered no candidate (it needs the evaluate stage, and to reach it)");
        }
        if (prompts.isEmpty()) {
            return skipped("no evaluation prompts (--eval-prompts 0)");
        }
        JsonObject models = new JsonObject(client.console("GET", "/api/console/models", null, 200));
        long servingId = cycle.servingVersionId() != null ? cycle.servingVersionId()
                : models.getLong("serving_version_id");
        JsonObject candidate = version(models, cycle.candidateVersionId());
        JsonObject serving = version(models, servingId);
        for (JsonObject v : List.of(candidate, serving)) {
            Path dir = Path.of(v.getString("artifact_path"));
            if (!LanguageModel.isModelDirectory(dir)) {
                return skipped("the files of model version " + v.getLong("id") + " (" + dir + ") cannot be read "
                        + "here; run the simulator on the server's host, as its user");
            }
        }
        String system = new JsonObject(client.console("GET", "/api/settings/system-prompt", null, 200))
                .getString("system_prompt");
        List<List<ChatMessage>> chats = prompts.stream()
                .map(p -> List.of(ChatMessage.system(system), ChatMessage.user(p.message()))).toList();
        List<String> servingAnswers = answers(Path.of(serving.getString("artifact_path")), chats);
        List<String> candidateAnswers = answers(Path.of(candidate.getString("artifact_path")), chats);

        int servingHits = 0;
        int candidateHits = 0;
        int withReference = 0;
        double servingCloseness = 0;
        double candidateCloseness = 0;
        double wins = 0;
        try (Writer out = Files.newBufferedWriter(rows, StandardCharsets.UTF_8)) {
            for (int i = 0; i < prompts.size(); i++) {
                SimulationPrompt p = prompts.get(i);
                Assessment s = judge.assess(p, servingAnswers.get(i));
                Assessment c = judge.assess(p, candidateAnswers.get(i));
                servingHits += s.intentMatch() ? 1 : 0;
                candidateHits += c.intentMatch() ? 1 : 0;
                if (p.reference() != null) {
                    withReference++;
                    servingCloseness += s.closeness();
                    candidateCloseness += c.closeness();
                }
                Choice choice = CustomerJudge.preference(c, s);
                wins += choice == Choice.A ? 1 : choice == Choice.B ? 0 : 0.5;
                out.write(new JsonObject().put("message", p.message()).put("intent", p.intent())
                        .put("serving", row(servingAnswers.get(i), s)).put("candidate", row(candidateAnswers.get(i), c))
                        .put("winner", switch (choice) {
                            case A -> "candidate";
                            case B -> "serving";
                            case TIE -> "tie";
                            case BOTH_BAD -> "both_bad";
                        }).encode());
                out.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + rows + ": " + e.getMessage(), e);
        }

        int n = prompts.size();
        double winRate = wins / n;
        Interval winCi = Interval.wilson(wins, n);
        GateThresholds thresholds = GateThresholds.fromJson(cycle.gate() == null ? new JsonObject()
                : cycle.gate().getJsonObject("thresholds", new JsonObject()));
        double servingMatch = servingHits / (double) n;
        double candidateMatch = candidateHits / (double) n;
        // as the gate: no worse by intent, and, when the gate asks for an improvement, better beyond noise
        boolean better = thresholds.requireImprovement() ? winCi.above(0.5) : winRate >= thresholds.minWinRate();
        boolean passes = better && candidateMatch >= servingMatch - thresholds.maxIntentMatchDrop();
        String gateVerdict = cycle.gate() == null ? null : cycle.gate().getString("verdict");
        Boolean agrees = "pass".equals(gateVerdict) || "fail".equals(gateVerdict)
                ? "pass".equals(gateVerdict) == passes : null;
        return new JsonObject().put("prompts", n)
                .put("serving", side(serving, servingHits, n, servingCloseness, withReference))
                .put("candidate", side(candidate, candidateHits, n, candidateCloseness, withReference))
                .put("win_rate", new JsonObject().put("rate", winRate).put("n", n)
                        .put("ci", new JsonArray().add(winCi.low()).add(winCi.high()))
                        .put("reading", winCi.above(0.5) ? "candidate better" : winCi.high() < 0.5 ? "serving better"
                                : "no difference detected"))
                .put("verdict", passes ? "pass" : "fail")
                .put("rule", (thresholds.requireImprovement() ? "win rate's 95% interval above 0.5"
                        : "win rate >= " + thresholds.minWinRate()) + " and intent match at most "
                        + thresholds.maxIntentMatchDrop() + " below the serving model's (the gate's thresholds)")
                .put("gate_verdict", gateVerdict)
                .put("agrees_with_gate", agrees)
                .put("max_new_tokens", maxTokens).put("decoding", "greedy");
    }

    private static JsonObject skipped(String why) {
        return new JsonObject().put("skipped", why);
    }

    private static JsonObject version(JsonObject models, long id) {
        return models.getJsonArray("versions").stream().map(JsonObject.class::cast)
                .filter(v -> v.getLong("id") == id).findFirst()
                .orElseThrow(() -> new KaizenClient.Failure("the registry does not list model version " + id));
    }

    private List<String> answers(Path modelDir, List<List<ChatMessage>> chats) {
        try (LanguageModel model = LanguageModel.load(modelDir)) {
            List<String> texts = new ArrayList<>();
            for (PolicyComparison.Answer a : PolicyComparison.answer(model, chats,
                    new PolicyComparison.Settings(maxTokens, true, 1.0, 0, 0))) {
                texts.add(a.text().strip());
            }
            return texts;
        }
    }

    private static JsonObject side(JsonObject version, int hits, int n, double closeness, int withReference) {
        return new JsonObject().put("version_id", version.getLong("id")).put("label", version.getString("label"))
                .put("intent_match", FeedbackTally.share(hits, n))
                .put("mean_closeness", withReference == 0 ? null : closeness / withReference);
    }

    private static JsonObject row(String answer, Assessment a) {
        return new JsonObject().put("text", answer).put("judged_intent", a.judgedIntent())
                .put("intent_match", a.intentMatch()).put("closeness", a.closeness()).put("score", a.score());
    }
}
