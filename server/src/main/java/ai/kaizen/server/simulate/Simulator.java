package ai.kaizen.server.simulate;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs a simulation: the prompts split by message (seeded) into evaluation prompts and the customers' messages; the
 * customers' visits, a few at a time, each logged to {@code interactions.jsonl} in customer order; then, when asked,
 * a cycle started through the console and its candidate compared with the serving model on the evaluation prompts
 * ({@code comparison.jsonl}); the summary goes to {@code summary.json} as one line, and is returned.
 */
public final class Simulator {

    private final SimulationSettings settings;
    private final CustomerJudge judge;
    private final PrintWriter progress;

    /**
     * @param settings what to do
     * @param judge    how customers judge answers
     * @param progress where progress lines go (standard error)
     */
    public Simulator(SimulationSettings settings, CustomerJudge judge, PrintWriter progress) {
        this.settings = settings;
        this.judge = judge;
        this.progress = progress;
    }

    /**
     * @param prompts the customers' and the evaluation's messages
     * @return the summary
     * @throws KaizenClient.Failure when the server cannot be used at all (unreachable, a wrong key or password), or
     *     the cycle could not be run (after the summary with the customers' figures and the error is written)
     */
    public JsonObject run(List<SimulationPrompt> prompts) throws IOException, InterruptedException {
        return run(prompts, 0);
    }

    /**
     * One round of a continual-learning run ({@link SimulationRounds}): round {@code r}'s customers send the
     * feedback messages after those of the rounds before it (fresh traffic) with seeds drawn from {@code seed + r};
     * the evaluation prompts are the same in every round.
     *
     * @param prompts the customers' and the evaluation's messages
     * @param round the round, from 0 ({@link #run(List)}'s)
     * @return the summary, with {@code serving_after}: the model serving once the cycle ended
     */
    public JsonObject run(List<SimulationPrompt> prompts, int round) throws IOException, InterruptedException {
        long started = System.nanoTime();
        SimulationPrompts.Split split = SimulationPrompts.Split.of(prompts, settings.evalPrompts(), settings.seed());
        KaizenClient client = new KaizenClient(settings.url(), settings.apiKey(), settings.timeout());
        String serving = client.servingModel(); // fails at once on a wrong key or address
        if (serving == null) {
            throw new KaizenClient.Failure("the server serves no model (see its /ready)");
        }
        if (settings.cycleRequest() != null) {
            client.signIn(settings.operator(), settings.password()); // before the customers, so a typo costs nothing
        }
        Files.createDirectories(settings.out());
        say("simulate: " + settings.customers() + " customers (" + settings.concurrency() + " at a time) against "
                + settings.url() + ", serving " + serving);

        FeedbackTally tally = visits(client, split.feedback(), round);
        JsonObject summary = new JsonObject().put("summary", true).put("url", settings.url().toString())
                .put("serving_model", serving).put("seed", settings.seed()).put("noise", settings.noise())
                .put("shares", new JsonObject().put("thumbs", settings.shares().thumbs())
                        .put("stars", settings.shares().stars()).put("pairs", settings.shares().pairs()))
                .put("max_tokens", settings.maxTokens())
                .mergeIn(tally.toJson())
                .put("distinct_feedback_prompts", Math.min(settings.customers(), split.feedback().size()))
                .put("eval_prompts", split.evaluation().size());

        KaizenClient.Failure cycleFailure = null;
        if (settings.cycleRequest() != null) {
            try {
                CycleRehearsal.Outcome cycle = new CycleRehearsal(client, progress)
                        .run(settings.cycleRequest(), settings.cycleTimeout());
                summary.put("cycle", cycle.toJson());
                say("simulate: cycle " + cycle.id() + " ended " + cycle.status() + "; comparing on "
                        + split.evaluation().size() + " held-out prompts");
                summary.put("comparison", new CandidateComparison(client, judge, settings.maxTokens())
                        .run(cycle, split.evaluation(), settings.out().resolve("comparison.jsonl")));
                summary.put("serving_after", client.servingModel());
            } catch (KaizenClient.Failure e) {
                // e.g. another cycle is running (409): the customers' figures are still worth keeping
                cycleFailure = e;
                summary.put("cycle_error", e.getMessage());
            }
        }
        summary.put("server_waits", client.waits())
                .put("seconds", Math.round((System.nanoTime() - started) / 1e8) / 10.0);
        Files.writeString(settings.out().resolve("summary.json"), summary.encode() + "\n", StandardCharsets.UTF_8);
        if (cycleFailure != null) {
            throw cycleFailure;
        }
        return summary;
    }

    /**
     * The customers' visits: customer {@code i} of round {@code r} sends feedback prompt {@code r * customers + i}
     * (starting over when there are more customers than prompts), with a seed drawn for it in order from the
     * simulation's seed plus the round. The visits run
     * concurrently; their lines are written in customer order as they complete.
     */
    private FeedbackTally visits(KaizenClient client, List<SimulationPrompt> feedbackPrompts, int round)
            throws IOException, InterruptedException {
        SimulatedCustomer customer = new SimulatedCustomer(client, judge, settings.shares(), settings.maxTokens());
        Random seeds = new Random(settings.seed() + round);
        int first = round * settings.customers();
        ExecutorService pool = Executors.newFixedThreadPool(settings.concurrency());
        List<Future<Interaction>> visits = new ArrayList<>();
        for (int i = 0; i < settings.customers(); i++) {
            int number = i;
            long seed = seeds.nextLong();
            SimulationPrompt prompt = feedbackPrompts.get((first + i) % feedbackPrompts.size());
            visits.add(pool.submit(() -> customer.visit(number, prompt, seed)));
        }
        FeedbackTally tally = new FeedbackTally();
        int step = Math.max(1, settings.customers() / 10);
        try (Writer log = Files.newBufferedWriter(settings.out().resolve("interactions.jsonl"),
                StandardCharsets.UTF_8)) {
            for (int i = 0; i < visits.size(); i++) {
                Interaction interaction = visits.get(i).get();
                tally.add(interaction);
                log.write(interaction.toJson().encode());
                log.write('\n');
                if ((i + 1) % step == 0 || i + 1 == visits.size()) {
                    log.flush();
                    say("simulate: " + (i + 1) + "/" + visits.size() + " customers"
                            + (interaction.error() == null ? "" : " (last error: " + interaction.error() + ")"));
                }
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("a simulated customer failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return tally;
    }

    private void say(String line) {
        progress.println(line);
        progress.flush();
    }
}
