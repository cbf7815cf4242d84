package ai.kaizen.trainer.demo;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.BitextImport;
import ai.kaizen.trainer.dataset.DatasetKind;
import ai.kaizen.trainer.dataset.JsonlFormats;
import ai.kaizen.trainer.dataset.MismatchedPairs;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.dataset.PromptIntents;
import ai.kaizen.trainer.dataset.Provenance;
import ai.kaizen.trainer.dataset.SftExample;
import ai.kaizen.trainer.dataset.ThumbsExample;
import ai.kaizen.trainer.cycle.AnswerJudge;
import ai.kaizen.trainer.cycle.IntentJudge;
import ai.kaizen.trainer.grpo.GrpoTrainer;
import ai.kaizen.trainer.kto.KtoConfig;
import ai.kaizen.trainer.kto.KtoRun;
import ai.kaizen.trainer.online.EvaluationJudge;
import ai.kaizen.trainer.online.GroupConfig;
import ai.kaizen.trainer.online.GroupMethod;
import ai.kaizen.trainer.online.RunResult;
import ai.kaizen.trainer.rloo.RlooTrainer;
import ai.kaizen.trainer.dpo.DpoConfig;
import ai.kaizen.trainer.dpo.DpoRun;
import ai.kaizen.trainer.eval.PolicyComparison;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.ppo.PpoConfig;
import ai.kaizen.trainer.ppo.PpoResult;
import ai.kaizen.trainer.ppo.PpoRun;
import ai.kaizen.trainer.reward.RewardConfig;
import ai.kaizen.trainer.reward.RewardEvaluation;
import ai.kaizen.trainer.reward.RewardModel;
import ai.kaizen.trainer.reward.RewardRun;
import ai.kaizen.trainer.sft.SftConfig;
import ai.kaizen.trainer.sft.SftResult;
import ai.kaizen.trainer.sft.SftRun;
import ai.kaizen.trainer.starter.HeldOutSplit;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * The RLHF loop on real customer-service data, every method side by side. From the Bitext files: pairs of a customer
 * message with its detailed answer (chosen) over its canned answer (rejected), the starter model's held-out messages
 * set apart for evaluation. Then:
 * <ol>
 *   <li>{@code sft-policy}: the base model fine-tuned on the canned answers only (the policy to improve);</li>
 *   <li>{@code reward-model}: from that policy, trained on the pairs plus off-topic pairs (a message's own canned
 *   answer over another intent's); held-out accuracy on each kind;</li>
 *   <li>from that policy, each method of {@link DemoSettings#methods} into {@code METHOD-policy}: PPO, RLOO and GRPO
 *   against the reward model on the training prompts, each keeping the checkpoint with the best win rate on further
 *   held-out messages (not the compared ones); DPO on the same pairs; KTO on unpaired thumbs made from them
 *   ({@link #thumbs});</li>
 *   <li>each trained policy against {@code sft-policy} on held-out prompts ({@link HeldOutComparison}), judged by the
 *   intent classifier and closeness to the reference answer, not by the reward model the online methods
 *   optimised: win rate and intent match with 95% intervals, KL, length, samples.</li>
 * </ol>
 * Everything lands in the output directory: the model directories (each loadable by {@code generate},
 * {@code eval rm} or {@code eval policy}), the datasets, {@code report.json} and the curves as PNG.
 */
public final class RlhfDemonstration {

    /** Model directories, as the issue names them. */
    public static final String SFT = "sft-policy";
    /** The reward model's directory. */
    public static final String REWARD_MODEL = "reward-model";

    private RlhfDemonstration() {
    }

    /**
     * Runs the whole demonstration.
     *
     * @param settings what to run on
     * @param out the output directory
     * @param listeners a progress listener per stage name ({@code sft}, {@code reward_model}, then each method's
     *     name)
     * @return the report (also written to {@code out/report.json})
     */
    public static JsonObject run(DemoSettings settings, Path out, Function<String, TrainingListener> listeners) {
        return run(settings, out, listeners, false);
    }

    /**
     * Runs the demonstration, keeping the SFT policy and reward model an earlier run left in {@code out} when
     * {@code reuseTrained}: trying a method's options again then costs only that method's training.
     *
     * @param reuseTrained keep {@code sft-policy} and {@code reward-model} where {@code out} holds them (they must
     *     come from the same data settings; a missing one is trained)
     */
    public static JsonObject run(DemoSettings settings, Path out, Function<String, TrainingListener> listeners,
            boolean reuseTrained) {
        long started = System.nanoTime();
        JsonObject report = new JsonObject();
        JsonObject seconds = new JsonObject();
        Data data = data(settings, out.resolve("data"));
        report.add("data", data.summary());

        long t = System.nanoTime();
        SftConfig sftConfig = SftConfig.fromJson(settings.stage("sft", out.resolve(SFT)),
                SftConfig.defaults(out.resolve(SFT)));
        if (reuseTrained && trained(out.resolve(SFT))) {
            report.add("sft", reused());
        } else {
            SftResult sft = SftRun.run(settings.baseModel(), sftConfig, data.cannedTrain(), data.cannedEval(),
                    listeners.apply("sft"));
            report.add("sft", json("steps", sft.globalStep(), "train_loss", sft.trainLoss(), "best_eval_loss",
                    sft.bestEvalLoss(), "tokens_per_second", sft.tokensPerSecond()));
        }
        seconds.addProperty("sft", secondsSince(t));

        t = System.nanoTime();
        RewardConfig rmConfig = RewardConfig.fromJson(settings.stage("reward_model", out.resolve(REWARD_MODEL)),
                RewardConfig.defaults(out.resolve(REWARD_MODEL)));
        JsonObject rmReport;
        if (reuseTrained && trained(out.resolve(REWARD_MODEL))) {
            rmReport = reused();
        } else {
            PairwiseResult rm = RewardRun.run(out.resolve(SFT), rmConfig, data.rewardModelTrain(), data.pairsEval(),
                    listeners.apply("reward_model"));
            rmReport = json("steps", rm.globalStep(), "pairs_per_second", rm.pairsPerSecond());
        }
        seconds.addProperty("reward_model", secondsSince(t));
        try (RewardModel model = RewardModel.load(out.resolve(REWARD_MODEL))) {
            RewardEvaluation heldOut = RewardEvaluation.of(model, data.pairsEval());
            rmReport.addProperty("held_out_pairs", heldOut.pairs());
            rmReport.addProperty("held_out_accuracy", heldOut.accuracy());
            rmReport.addProperty("held_out_mean_margin", heldOut.meanMargin());
            if (!data.offTopicEval().isEmpty()) {
                RewardEvaluation offTopic = RewardEvaluation.of(model, data.offTopicEval());
                rmReport.addProperty("off_topic_held_out_pairs", offTopic.pairs());
                rmReport.addProperty("off_topic_held_out_accuracy", offTopic.accuracy());
            }
        }
        report.add("reward_model", rmReport);

        AnswerJudge judge = new AnswerJudge(IntentJudge.fromBitext(settings.bitextDir()));
        EvaluationJudge validationJudge = new ValidationJudge(judge, data.validationPrompts());
        for (String method : settings.methods()) {
            t = System.nanoTime();
            report.add(method, train(method, settings, data, out, listeners.apply(method), validationJudge));
            seconds.addProperty(method, secondsSince(t));
        }

        t = System.nanoTime();
        PolicyComparison.Settings decoding = new PolicyComparison.Settings(settings.maxNewTokens(), true, 1.0,
                settings.splitSeed(), 5);
        try (RewardModel rewardModel = RewardModel.load(out.resolve(REWARD_MODEL));
                LanguageModel start = LanguageModel.load(out.resolve(SFT))) {
            HeldOutComparison comparison = new HeldOutComparison(judge, data.judgedPrompts(), decoding, start);
            JsonObject compared = new JsonObject();
            compared.addProperty("judge", "the intent classifier (does the answer address the message's intent?) "
                    + "and token-F1 closeness to Bitext's detailed answer; a tie or two answers that both miss the "
                    + "intent count half; reward_model_win_rate is the optimised reward model's opinion, a "
                    + "diagnostic");
            compared.add(SFT, comparison.baselineJson());
            for (String method : settings.methods()) {
                try (LanguageModel trained = LanguageModel.load(out.resolve(policyDir(method)))) {
                    compared.add(policyDir(method), comparison.compare(trained, rewardModel));
                }
            }
            report.add("compared_with_sft", compared);
        }
        seconds.addProperty("compare", secondsSince(t));
        seconds.addProperty("total", secondsSince(started));
        report.add("seconds", seconds);
        report.add("pictures", curves(out, settings.methods()));
        write(out.resolve("report.json"), new GsonBuilder().setPrettyPrinting().serializeNulls().create()
                .toJson(report));
        return report;
    }

    private static boolean trained(Path modelDir) {
        return Files.isRegularFile(modelDir.resolve("config.json"))
                && Files.isRegularFile(modelDir.resolve("model.safetensors"));
    }

    private static JsonObject reused() {
        JsonObject o = new JsonObject();
        o.addProperty("reused", true);
        return o;
    }

    /** @return the directory a method's policy is written to: {@code METHOD-policy} */
    public static String policyDir(String method) {
        return method + "-policy";
    }

    /**
     * Trains one method from the SFT policy; returns its figures for the report. The online methods' evaluations are
     * also judged by {@code judge}, which chooses their checkpoint where their options say
     * {@code metric_for_best_model: eval/judge_score}.
     */
    private static JsonObject train(String method, DemoSettings settings, Data data, Path out,
            TrainingListener listener, EvaluationJudge judge) {
        Path dir = out.resolve(policyDir(method));
        JsonObject options = settings.stage(method, dir);
        return switch (method) {
            case "ppo" -> {
                PpoConfig config = PpoConfig.fromJson(options, PpoConfig.defaults(dir));
                PpoResult r = PpoRun.run(out.resolve(SFT), out.resolve(REWARD_MODEL), config, data.ppoPromptsDir(),
                        listener, judge);
                JsonObject o = json("steps", r.globalStep(), "best_step", r.bestStep(), "first_score",
                        r.firstScore(), "last_score", r.lastScore(), "last_kl", r.lastKl(), "kl_limit",
                        config.klLimit());
                o.addProperty("stop_reason", r.stopReason());
                yield o;
            }
            case "rloo", "grpo" -> {
                RunResult r = method.equals("rloo")
                        ? online(RlooTrainer.METHOD, options, dir, out, data, listener, judge)
                        : online(GrpoTrainer.METHOD, options, dir, out, data, listener, judge);
                JsonObject o = json("steps", r.globalStep(), "best_step", r.bestStep(), "best_metric",
                        r.bestMetric(), "first_score", r.firstScore(), "last_score", r.lastScore(), "last_kl",
                        r.lastKl());
                o.addProperty("stop_reason", r.stopReason());
                yield o;
            }
            case "dpo" -> {
                DpoConfig config = DpoConfig.fromJson(options, DpoConfig.defaults(dir));
                PairwiseResult r = DpoRun.run(out.resolve(SFT), config, data.pairsTrain(), data.pairsEval(), listener);
                JsonObject o = json("steps", r.globalStep(), "pairs_per_second", r.pairsPerSecond());
                r.evalMetrics().forEach(o::addProperty);
                yield o;
            }
            case "kto" -> {
                KtoConfig config = KtoConfig.fromJson(options, KtoConfig.defaults(dir));
                PairwiseResult r = KtoRun.run(out.resolve(SFT), config, data.thumbsTrain(), data.thumbsEval(),
                        listener);
                JsonObject o = json("steps", r.globalStep(), "examples_per_second", r.pairsPerSecond());
                r.evalMetrics().forEach(o::addProperty);
                yield o;
            }
            default -> throw new IllegalArgumentException("unknown method " + method);
        };
    }

    private static <C extends GroupConfig> RunResult online(GroupMethod<C> method, JsonObject options, Path dir,
            Path out, Data data, TrainingListener listener, EvaluationJudge judge) {
        return method.run(out.resolve(SFT), out.resolve(REWARD_MODEL), method.configure(options, dir),
                data.ppoPromptsDir(), listener, judge);
    }

    /** The demonstration's data, also written as TRL JSONL under {@code out/data}. */
    record Data(List<SftExample> cannedTrain, List<SftExample> cannedEval, List<PreferenceExample> pairsTrain,
                List<PreferenceExample> pairsEval, List<PreferenceExample> rewardModelTrain,
                List<PreferenceExample> offTopicEval, List<ThumbsExample> thumbsTrain, List<ThumbsExample> thumbsEval,
                List<HeldOutComparison.Prompt> judgedPrompts, List<HeldOutComparison.Prompt> validationPrompts,
                Path ppoPromptsDir, JsonObject summary) {}

    static Data data(DemoSettings settings, Path dir) {
        BitextImport.Result bitext = BitextImport.read(settings.bitextDir());
        // The starter model's own held-out draw (a share of each intent's customer messages): with its fraction
        // and seed, the prompts the policies are compared on were never seen by the base model either.
        List<BitextImport.LabelledRow> rows = new ArrayList<>(
                BitextImport.labelledRows(settings.bitextDir().resolve("detailed_responses.csv")));
        rows.addAll(BitextImport.labelledRows(settings.bitextDir().resolve("canned_responses.csv")));
        HeldOutSplit heldOutMessages = HeldOutSplit.of(rows, settings.evalFraction(), settings.splitSeed());
        List<PreferenceExample> train = new ArrayList<>();
        List<PreferenceExample> eval = new ArrayList<>();
        for (PreferenceExample p : bitext.preferences()) {
            (heldOutMessages.isHeldOut(lastMessage(p)) ? eval : train).add(p);
        }
        // a deterministic sample of the sizes asked for: the same settings always pick the same pairs
        Collections.shuffle(train, new Random(settings.splitSeed()));
        Collections.shuffle(eval, new Random(settings.splitSeed() + 1));
        if (settings.trainPairs() > 0 && train.size() > settings.trainPairs()) {
            train = new ArrayList<>(train.subList(0, settings.trainPairs()));
        }
        // PPO's validation prompts, on which it picks its checkpoint: more of the starter model's held-out messages,
        // after those the policies are compared on. Like those, no model of the chain has seen them; messages from
        // the training pairs would not do, as the base model learnt their detailed answers (a run: win rate 0.84 on
        // training messages set apart, 0.465 held out).
        List<PreferenceExample> ppoValidation = new ArrayList<>();
        if (eval.size() > settings.evalPrompts()) {
            ppoValidation = new ArrayList<>(eval.subList(settings.evalPrompts(),
                    Math.min(eval.size(), settings.evalPrompts() + settings.ppoValidationPrompts())));
            eval = new ArrayList<>(eval.subList(0, settings.evalPrompts()));
        }
        // off-topic pairs for the reward model: a message's own canned answer over another intent's canned answer.
        // The detailed-over-canned pairs only teach style; without these, PPO finds that one fluent answer pleases
        // the reward model whatever the question (reward hacking seen in the first runs).
        Map<String, String> byMessage = new HashMap<>();
        rows.forEach(r -> byMessage.putIfAbsent(r.instruction(), r.intent()));
        PromptIntents intents = new PromptIntents(byMessage);
        List<PreferenceExample> offTopicTrain = offTopic(train, intents, settings.offTopicPairs(), settings.splitSeed());
        List<PreferenceExample> offTopicEval = offTopic(eval, intents, 1.0, settings.splitSeed() + 1);
        List<PreferenceExample> rmTrain = new ArrayList<>(train);
        rmTrain.addAll(offTopicTrain);
        Collections.shuffle(rmTrain, new Random(settings.splitSeed() + 2));
        List<SftExample> cannedTrain = canned(train);
        List<SftExample> cannedEval = canned(eval);
        List<ThumbsExample> thumbsTrain = thumbs(train, offTopicTrain);
        List<ThumbsExample> thumbsEval = thumbs(eval, offTopicEval);
        // the held-out prompts with what the judge needs: the message's intent and its detailed answer
        List<HeldOutComparison.Prompt> judged = judged(eval, intents);
        List<HeldOutComparison.Prompt> validation = judged(ppoValidation, intents);
        try {
            JsonlFormats.writeSplits(DatasetKind.SFT, cannedTrain, cannedEval, dir.resolve("canned-sft"));
            JsonlFormats.writeSplits(DatasetKind.PREFERENCE, train, eval, dir.resolve("preferences"));
            JsonlFormats.writeSplits(DatasetKind.PREFERENCE, rmTrain, offTopicEval, dir.resolve("reward-model-pairs"));
            // PPO reads its prompts from these files: it takes their "prompt" and ignores the answers
            JsonlFormats.writeSplits(DatasetKind.PREFERENCE, train, ppoValidation, dir.resolve("ppo-prompts"));
            JsonlFormats.writeSplits(DatasetKind.THUMBS, thumbsTrain, thumbsEval, dir.resolve("thumbs"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demonstration's data under " + dir, e);
        }
        JsonObject summary = json("train_pairs", train.size(), "held_out_pairs", eval.size(), "bitext_pairs",
                bitext.preferences().size(), "ppo_validation_prompts",
                ppoValidation.size(), "off_topic_train_pairs", offTopicTrain.size(), "off_topic_held_out_pairs",
                offTopicEval.size(), "thumbs_train", thumbsTrain.size(), "thumbs_held_out", thumbsEval.size(),
                "judged_prompts", judged.size());
        summary.addProperty("split", "the starter model's held-out messages: " + settings.evalFraction()
                + " of each intent's, seed " + settings.splitSeed());
        return new Data(cannedTrain, cannedEval, train, eval, rmTrain, offTopicEval, thumbsTrain, thumbsEval, judged,
                validation, dir.resolve("ppo-prompts"), summary);
    }

    /** The pairs' prompts with what the judge needs: the message's intent and its detailed answer. */
    private static List<HeldOutComparison.Prompt> judged(List<PreferenceExample> pairs, PromptIntents intents) {
        List<HeldOutComparison.Prompt> judged = new ArrayList<>();
        for (PreferenceExample p : pairs) {
            intents.intentOf(p.prompt()).ifPresent(intent ->
                    judged.add(new HeldOutComparison.Prompt(p.prompt(), intent, p.chosen())));
        }
        return judged;
    }

    /**
     * For a share of the pairs (a deterministic draw), the message's own canned answer chosen over the canned answer
     * of a message with another intent among the same pairs: {@link MismatchedPairs} with the canned answers as the
     * approved ones, since the policy to improve answers in the canned style.
     */
    static List<PreferenceExample> offTopic(List<PreferenceExample> pairs, PromptIntents intents, double share,
            long seed) {
        List<MismatchedPairs.Approved> canned = pairs.stream().filter(p -> intents.intentOf(p.prompt()).isPresent())
                .map(p -> new MismatchedPairs.Approved(p.prompt(), p.rejected(), p.provenance())).toList();
        return MismatchedPairs.of(canned, share, seed, intents);
    }

    /**
     * Unpaired thumbs, as customers give them: each pair gives one rated answer, alternately its detailed answer
     * rated up and its canned answer rated down, and every other off-topic pair gives its off-topic answer rated
     * down. No prompt has both its answers rated, so KTO learns from what DPO would need pairs for.
     */
    static List<ThumbsExample> thumbs(List<PreferenceExample> pairs, List<PreferenceExample> offTopic) {
        List<ThumbsExample> out = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            PreferenceExample p = pairs.get(i);
            boolean up = i % 2 == 0;
            out.add(new ThumbsExample(p.prompt(), up ? p.chosen() : p.rejected(), up, p.provenance()));
        }
        for (int i = 0; i < offTopic.size(); i += 2) {
            PreferenceExample p = offTopic.get(i);
            out.add(new ThumbsExample(p.prompt(), p.rejected(), false, p.provenance()));
        }
        return out;
    }

    private static String lastMessage(PreferenceExample p) {
        return p.prompt().get(p.prompt().size() - 1).content();
    }

    private static List<SftExample> canned(List<PreferenceExample> pairs) {
        List<SftExample> out = new ArrayList<>(pairs.size());
        for (PreferenceExample p : pairs) {
            out.add(SftExample.of(p.prompt(), p.rejected(), new Provenance("bitext-canned", p.provenance().ids())));
        }
        return out;
    }

    /** Draws the curves of the stages that ran; returns the pictures' file names. */
    static JsonObject curves(Path out, List<String> methods) {
        JsonObject pictures = new JsonObject();
        List<TrainingCurves.Line> reward = new ArrayList<>();
        List<TrainingCurves.Line> kl = new ArrayList<>();
        List<TrainingCurves.Line> loss = new ArrayList<>(List.of(
                new TrainingCurves.Line("SFT (canned answers)", out.resolve(SFT), "loss"),
                new TrainingCurves.Line("Reward model (Bradley-Terry)", out.resolve(REWARD_MODEL), "loss")));
        for (String method : methods) {
            Path dir = out.resolve(policyDir(method));
            String name = method.toUpperCase(java.util.Locale.ROOT);
            switch (method) {
                case "ppo", "rloo", "grpo" -> {
                    reward.add(new TrainingCurves.Line(name + ": reward-model score (objective/scores)", dir,
                            "objective/scores"));
                    kl.add(new TrainingCurves.Line(name + " objective/kl", dir, "objective/kl"));
                    loss.add(new TrainingCurves.Line(name + " policy", dir, "loss/policy"));
                    if (method.equals("ppo")) {
                        loss.add(new TrainingCurves.Line("PPO value", dir, "loss/value"));
                    }
                }
                default -> {
                    reward.add(new TrainingCurves.Line(name + ": implicit reward margin (rewards/margins)", dir,
                            "rewards/margins"));
                    loss.add(new TrainingCurves.Line(name, dir, "loss"));
                }
            }
        }
        TrainingCurves.draw("Reward", "reward", reward, out.resolve("reward.png"));
        pictures.addProperty("reward", "reward.png");
        TrainingCurves.draw("KL to the starting policy", "nats per answer", kl, out.resolve("kl.png"));
        pictures.addProperty("kl", "kl.png");
        TrainingCurves.draw("Loss", "loss", loss, out.resolve("loss.png"));
        pictures.addProperty("loss", "loss.png");
        TrainingCurves.draw("Reward model on held-out pairs", "accuracy", List.of(
                new TrainingCurves.Line("eval_accuracy", out.resolve(REWARD_MODEL), "eval_accuracy")),
                out.resolve("reward-model.png"));
        pictures.addProperty("reward_model", "reward-model.png");
        return pictures;
    }

    private static JsonObject json(Object... keyValues) {
        JsonObject o = new JsonObject();
        for (int i = 0; i < keyValues.length; i += 2) {
            Number n = (Number) keyValues[i + 1];
            if (n instanceof Double d && !Double.isFinite(d)) {
                o.add((String) keyValues[i], com.google.gson.JsonNull.INSTANCE);
            } else {
                o.addProperty((String) keyValues[i], n);
            }
        }
        return o;
    }

    private static double secondsSince(long nanos) {
        return Math.round((System.nanoTime() - nanos) / 1e7) / 100.0;
    }

    private static void write(Path file, String text) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, text + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
