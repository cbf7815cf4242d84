package ai.kaizen.trainer.reward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.kaizen.model.Fixtures;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.MismatchedPairs;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.dataset.PromptIntents;
import ai.kaizen.trainer.dataset.Provenance;
import ai.kaizen.trainer.dataset.ThumbsExample;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.pairwise.PlantedPreferences;
import ai.kaizen.trainer.sft.TestData;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of feedback reaches the reward model: thumbs, ties, "both bad", mismatched pairs, each reported. */
class RewardFeedbackKindsTest {

    @TempDir
    Path tmp;

    private static final String[] TOPICS = {"order", "refund", "card", "bill", "box"};
    private static final String[] HELD_OUT_TOPICS = {"parcel", "invoice", "account"};
    private static final String[] ANSWERS = {"It is sent.", "It is here.", "Done.", "On its way.", "Soon."};

    /** Single answers, none paired with another: those that thank the customer up, the others down. */
    static List<ThumbsExample> thumbs(int count, long seed, String[] topics, String kindOfDown) {
        Random random = new Random(seed);
        List<ThumbsExample> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            List<ChatMessage> prompt = List.of(ChatMessage.user("My " + topics[random.nextInt(topics.length)] + "?"));
            String answer = ANSWERS[random.nextInt(ANSWERS.length)];
            boolean up = i % 2 == 0;
            out.add(new ThumbsExample(prompt, up ? thank(answer, random) : answer, up,
                    Provenance.of(up ? "rating" : kindOfDown, "t" + i)));
        }
        return out;
    }

    private static String thank(String answer, Random random) {
        return random.nextBoolean() ? answer + " Thanks!" : "Thanks! " + answer;
    }

    @Test
    void thumbsAloneTeachItToScoreOneStyleAboveAnotherOnHeldOutPrompts() throws Exception {
        Path out = tmp.resolve("rm");
        RewardConfig config = RewardTrainerTest.config(out, 30);
        RewardDataset data = new RewardDataset(List.of(), List.of(), thumbs(160, 1, TOPICS, "rating"),
                thumbs(40, 2, HELD_OUT_TOPICS, "both_bad"));
        PairwiseResult result;
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k());
                RewardTrainer trainer = new RewardTrainer(config, lm)) {
            result = trainer.train(data, TrainingListener.NONE);
        }
        // held out: prompts of topics it never saw, each answered both ways; no pair was ever trained on
        Random random = new Random(3);
        List<List<ChatMessage>> conversations = new ArrayList<>();
        int prompts = 30;
        for (int i = 0; i < prompts; i++) {
            List<ChatMessage> prompt = List.of(ChatMessage.user("My " + HELD_OUT_TOPICS[i % 3] + "?"));
            String answer = ANSWERS[random.nextInt(ANSWERS.length)];
            conversations.add(with(prompt, thank(answer, random)));
            conversations.add(with(prompt, answer));
        }
        int right = 0;
        try (RewardModel rm = RewardModel.load(out)) {
            List<RewardModel.Reward> rewards = rm.score(conversations);
            for (int i = 0; i < prompts; i++) {
                right += rewards.get(2 * i).raw() > rewards.get(2 * i + 1).raw() ? 1 : 0;
            }
        }
        System.out.printf("thumbs only: held-out AUC %.3f, sign accuracy %.3f, thanking answer above the other on "
                + "%d of %d held-out prompts%n", result.evalMetrics().get("eval_accuracy/thumbs"),
                result.evalMetrics().get("eval_sign_accuracy/thumbs"), right, prompts);
        assertThat((double) right / prompts).isGreaterThanOrEqualTo(0.9);
        assertThat(result.evalMetrics().get("eval_accuracy/thumbs")).isGreaterThanOrEqualTo(0.9);
        // without pairs, the headline accuracy is the thumbs' AUC
        assertThat(result.evalMetrics().get("eval_accuracy")).isEqualTo(result.evalMetrics().get("eval_accuracy/thumbs"));
        // the reference reward is 0: thumbs-up answers land above it, thumbs-down ones below
        assertThat(result.evalMetrics().get("eval_sign_accuracy/thumbs")).isGreaterThanOrEqualTo(0.8);
    }

    @Test
    void everyKindOfFeedbackIsTrainedOnAndReportedOnItsOwn() throws Exception {
        Path out = tmp.resolve("rm");
        RewardConfig config = RewardTrainerTest.config(out, 4, "eval_steps", "2", "thumbs_weight", "0.5");
        RewardDataset data = new RewardDataset(kinds(PlantedPreferences.pairs(24, 1)),
                kinds(PlantedPreferences.pairs(24, 2)), thumbs(12, 3, TOPICS, "both_bad"),
                thumbs(12, 4, TOPICS, "both_bad")).withMismatched(1.0, 9, PromptIntents.NONE);
        assertThat(data.mismatchedTrainPairs()).isGreaterThan(10);
        PairwiseResult result;
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k());
                RewardTrainer trainer = new RewardTrainer(config, lm)) {
            result = trainer.train(data, TrainingListener.NONE);
        }
        JsonObject saved = Json.readObject(out.resolve(RewardTrainer.EVAL_RESULTS_FILE));
        for (String kind : List.of("choices", "rankings", "stars", "ties", "thumbs", "mismatched")) {
            assertThat(saved.keySet()).contains("eval_accuracy/" + kind, "eval_loss/" + kind, "eval_count/" + kind);
            assertThat(result.evalMetrics()).containsKey("eval_accuracy/" + kind);
        }
        assertThat(saved.keySet()).contains("eval_accuracy", "eval_mean_margin", "eval_loss", "eval_mean_gap/ties",
                "eval_sign_accuracy/thumbs", "eval_mean_margin/mismatched");
        assertThat(saved.get("eval_count/thumbs").getAsDouble()).isEqualTo(12);
        assertThat(saved.get("eval_count/ties").getAsDouble()).isEqualTo(6);
        List<JsonObject> lines = TestData.metrics(out);
        assertThat(lines.stream().filter(l -> l.has("eval_accuracy/mismatched")).map(l -> l.get("step").getAsInt()))
                .containsExactly(2, 4);
        assertThat(lines).anySatisfy(l -> assertThat(l.keySet()).contains("loss", "accuracy", "mean_margin"));
        try (RewardModel rm = RewardModel.load(out)) {
            assertThat(rm.stats().std()).isPositive();
        }
    }

    /** A quarter each: users' choices, reviewers' rankings, stars differences, and ties (two thanking answers). */
    private static List<PreferenceExample> kinds(List<PreferenceExample> pairs) {
        List<PreferenceExample> out = new ArrayList<>();
        String[] kinds = {"pairwise", "ranking", "stars"};
        for (int i = 0; i < pairs.size(); i++) {
            PreferenceExample p = pairs.get(i);
            out.add(i % 4 == 3 ? PreferenceExample.tie(p.prompt(), p.chosen(), "Thanks! Done.", Provenance.of("tie"))
                    : new PreferenceExample(p.prompt(), p.chosen(), p.rejected(), Provenance.of(kinds[i % 4])));
        }
        return out;
    }

    @Test
    void aTieAndABothBadAnswerEnterTheLossAsTheFormulasSay() {
        List<ChatMessage> prompt = List.of(ChatMessage.user("Cancel my subscription"));
        PreferenceExample tie = PreferenceExample.tie(prompt, "It is cancelled.", "Done, it is cancelled.",
                Provenance.of("tie", "c1"));
        ThumbsExample bothBad = new ThumbsExample(prompt, "I like turtles.", false, Provenance.of("both_bad", "c2"));
        RewardConfig config = RewardTrainerTest.config(tmp.resolve("rm"), 1, "thumbs_weight", "0.5");
        try (LanguageModel lm = LanguageModel.load(Fixtures.stories260k());
                RewardTrainer trainer = new RewardTrainer(config, lm)) {
            List<TokenizedFeedback> items = trainer.tokenize(List.of(tie), List.of(bothBad));
            assertThat(items).extracting(TokenizedFeedback::signal, TokenizedFeedback::target, TokenizedFeedback::weight)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(RewardSignal.TIES, 0.5, 1.0),
                            org.assertj.core.groups.Tuple.tuple(RewardSignal.THUMBS, 0.0, 0.5));
            Map<String, Double> metrics = trainer.evaluate(items);
            RewardModel scorer = new RewardModel(lm, trainer.head(), RewardStats.IDENTITY, false);
            List<RewardModel.Reward> r = scorer.score(List.of(with(prompt, tie.chosen()), with(prompt, tie.rejected()),
                    with(prompt, bothBad.completion())));
            double d = r.get(0).raw() - r.get(1).raw();
            double bad = r.get(2).raw();
            // a tie: -1/2 log sigmoid(d) - 1/2 log sigmoid(-d); "both bad": thumbs_weight * -log sigmoid(-r)
            assertThat(metrics.get("loss/ties")).isCloseTo(0.5 * Math.log1p(Math.exp(-d))
                    + 0.5 * Math.log1p(Math.exp(d)), within(1e-5));
            assertThat(metrics.get("loss/thumbs")).isCloseTo(0.5 * Math.log1p(Math.exp(bad)), within(1e-5));
            assertThat(metrics.get("loss")).isCloseTo((metrics.get("loss/ties") + metrics.get("loss/thumbs")) / 2,
                    within(1e-9));
            assertThat(metrics.get("accuracy/ties")).isEqualTo(Math.abs(d) < RewardTrainer.TIE_TOLERANCE ? 1.0 : 0.0);
            assertThat(metrics.get("sign_accuracy/thumbs")).isEqualTo(bad < 0 ? 1.0 : 0.0);
            // one thumb alone has no AUC, and no pair no headline accuracy
            assertThat(metrics).doesNotContainKeys("accuracy/thumbs", "accuracy");
        }
    }

    @Test
    void mismatchedPairsStayWithinTheirSplitAndLeaveTheFeedbackAsItIs() {
        RewardDataset data = new RewardDataset(kinds(PlantedPreferences.pairs(24, 1)),
                kinds(PlantedPreferences.pairs(24, 2)), thumbs(12, 3, TOPICS, "rating"),
                thumbs(12, 4, HELD_OUT_TOPICS, "rating"));
        RewardDataset with = data.withMismatched(1.0, 5, PromptIntents.NONE);
        assertThat(with.trainPairs().subList(0, 24)).isEqualTo(data.trainPairs());
        assertThat(with.trainThumbs()).isEqualTo(data.trainThumbs());
        List<String> heldOutAnswers = new ArrayList<>();
        data.evalPairs().forEach(p -> heldOutAnswers.add(p.chosen()));
        data.evalThumbs().stream().filter(ThumbsExample::label).forEach(t -> heldOutAnswers.add(t.completion()));
        List<PreferenceExample> heldOutMismatched = with.evalPairs().subList(24, with.evalPairs().size());
        assertThat(heldOutMismatched).isNotEmpty().allSatisfy(p -> {
            assertThat(p.provenance().kind()).isEqualTo(MismatchedPairs.KIND);
            assertThat(heldOutAnswers).contains(p.chosen(), p.rejected());
            assertThat(PromptIntents.lastUserMessage(p.prompt()).orElseThrow()).matches("My (parcel|invoice|account|"
                    + "order|refund|card|bill|box)\\?");
        });
        assertThat(with.trainPairs().subList(24, with.trainPairs().size()))
                .allSatisfy(p -> assertThat(p.prompt()).isNotIn(data.evalThumbs().stream()
                        .map(ThumbsExample::prompt).toList()));
        assertThat(data.withMismatched(0, 5, PromptIntents.NONE)).isSameAs(data);
        assertThat(data.withMismatched(1.0, 5, PromptIntents.NONE)).isEqualTo(with);
    }

    @Test
    void readsThumbsWeightAndMismatchedPairs() {
        RewardConfig c = RewardTrainerTest.config(tmp, 5, "thumbs_weight", "0.25", "mismatched_pairs", "2");
        assertThat(c.thumbsWeight()).isEqualTo(0.25);
        assertThat(c.mismatchedPairs()).isEqualTo(2);
        assertThat(RewardConfig.defaults(tmp).thumbsWeight()).isEqualTo(RewardConfig.THUMBS_WEIGHT);
        assertThat(RewardConfig.defaults(tmp).mismatchedPairs()).isEqualTo(RewardConfig.MISMATCHED_PAIRS);
        assertThat(RewardConfig.fromJson(c.toJson(), RewardConfig.defaults(tmp.resolve("x")))).isEqualTo(c);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RewardTrainerTest.config(tmp, 5, "thumbs_weight",
                "-1")).hasMessageContaining("thumbs_weight");
    }

    private static List<ChatMessage> with(List<ChatMessage> prompt, String answer) {
        List<ChatMessage> c = new ArrayList<>(prompt);
        c.add(ChatMessage.assistant(answer));
        return c;
    }
}
