package ai.kaizen.server.cli;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.server.Logging;
import ai.kaizen.trainer.starter.StarterData;
import ai.kaizen.trainer.starter.StarterEvaluation;
import io.vertx.core.json.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code kaizen starter evaluate}: a chat model's numbers on the held-out customer messages, as one JSON line. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Measures a chat model on the held-out customer messages: eval_loss (per reference-answer",
                "token), intent_accuracy (greedy answers an intent classifier assigns to the message's intent) and",
                "classifier_accuracy (the classifier on the reference answers); then the same messages in",
                "conversations: multi_turn_eval_loss, later_turn_ and long_message_intent_accuracy, carry_over (a value",
                "given a turn earlier repeated in the model's answer), carry_over_with_slot_filling (the same once the",
                "server has filled the answer's placeholders with the values the customer gave) and",
                "raw_placeholder_share; prints one JSON line."})
public final class StarterEvaluateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StarterOptions options;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The chat model.")
    Path model;

    @Option(names = "--limit", paramLabel = "N", description = "Answer only the first N held-out messages "
            + "(0: all; the loss always covers all).")
    int limit;

    @Option(names = "--max-new-tokens", paramLabel = "N", description = "Longest answer; default ${DEFAULT-VALUE}.")
    int maxNewTokens = 160;

    @Option(names = "--samples", paramLabel = "N", description = "Answers printed; default ${DEFAULT-VALUE}.")
    int samples = 5;

    @Override
    public Integer call() {
        StarterOptions.requireModel(spec.commandLine(), model, "--model");
        if (limit < 0 || maxNewTokens < 1 || samples < 0) {
            throw new ParameterException(spec.commandLine(), "--limit and --samples must be >= 0, --max-new-tokens "
                    + ">= 1");
        }
        StarterData data = options.load(spec.commandLine());
        Logging.setLevel("WARN");
        long started = System.nanoTime();
        StarterEvaluation.Result r;
        try (LanguageModel lm = LanguageModel.load(model)) {
            r = StarterEvaluation.evaluate(lm, data, limit, maxNewTokens);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("held_out_messages", r.heldOutMessages());
        out.put("answered", r.samples().size());
        out.put("eval_loss", r.evalLoss());
        out.put("intent_accuracy", r.intentAccuracy());
        out.put("classifier_accuracy", r.classifierAccuracy());
        StarterEvaluation.Conversations c = r.conversations();
        out.put("multi_turn_eval_loss", c.evalLoss());
        out.put("later_turn_intent_accuracy", c.laterTurnIntentAccuracy());
        out.put("long_message_intent_accuracy", c.longMessageIntentAccuracy());
        out.put("carry_over", c.carryOver());
        out.put("carry_over_with_slot_filling", c.carryOverWithSlots());
        out.put("carry_over_probes", c.carryOverProbes());
        out.put("raw_placeholder_share", c.placeholderShare());
        out.put("seconds", (System.nanoTime() - started) / 1e9);
        List<Map<String, String>> shown = new ArrayList<>();
        for (StarterEvaluation.Sample s : r.samples().subList(0, Math.min(samples, r.samples().size()))) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("message", s.message());
            m.put("intent", s.intent());
            m.put("answer", s.answer());
            m.put("judged_intent", s.judgedIntent());
            shown.add(m);
        }
        out.put("samples", shown);
        List<Map<String, Object>> conversations = new ArrayList<>();
        for (StarterEvaluation.ConversationSample s : c.samples()) {
            if (conversations.stream().filter(x -> x.get("kind").equals(s.kind())).count() >= samples) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", s.kind());
            m.put("conversation", s.conversation().stream().filter(x -> !"system".equals(x.role()))
                    .map(x -> x.role() + ": " + x.content()).toList());
            m.put("answer", s.answer());
            if (!s.shown().equals(s.answer())) {
                m.put("shown", s.shown());
            }
            m.put("expected", s.expected());
            m.put("ok", s.ok());
            conversations.add(m);
        }
        out.put("conversation_samples", conversations);
        spec.commandLine().getOut().println(Json.encode(out));
        return 0;
    }
}
