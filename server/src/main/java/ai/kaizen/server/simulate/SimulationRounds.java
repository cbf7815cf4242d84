package ai.kaizen.server.simulate;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * Continual learning, rehearsed: several rounds of fresh simulated customers, each followed by a cycle (whose
 * request should set {@code auto_promote}, so that only a candidate its gate passes serves the next round) and the
 * comparison of its candidate with the serving model on the same held-out prompts. Each round writes its own
 * folder ({@code round-N/}, as a single simulation does); the run adds {@code rounds.json}, the curve's points,
 * and {@code curve.png}: the intent match of the model serving after each round, and of each round's candidate,
 * with 95% intervals, on the held-out prompts.
 */
public final class SimulationRounds {

    private SimulationRounds() {
    }

    /**
     * One round's point on the curve.
     *
     * @param round the round, from 1 (0: the model serving before the first)
     * @param serving the intent match of the model serving after the round, with its interval, or null when the
     *     comparison was skipped
     * @param candidate the round's candidate's, or null (round 0, a skipped comparison)
     * @param promoted whether the candidate serves after the round
     * @param gate the gate's verdict, or null
     */
    record Point(int round, JsonObject serving, JsonObject candidate, boolean promoted, String gate) {

        JsonObject toJson() {
            return new JsonObject().put("round", round).put("serving_intent_match", serving)
                    .put("candidate_intent_match", candidate).put("promoted", promoted).put("gate", gate);
        }
    }

    /**
     * @param settings the simulation's settings (its {@code out} the run's folder)
     * @param judge the customers' judge
     * @param progress where progress lines go
     * @param prompts the customers' and the evaluation's messages
     * @param rounds how many rounds, at least 1
     * @return {@code {"rounds": [each round's summary], "curve": [points]}}, also written to {@code rounds.json}
     */
    public static JsonObject run(SimulationSettings settings, CustomerJudge judge, PrintWriter progress,
            List<SimulationPrompt> prompts, int rounds) throws IOException, InterruptedException {
        JsonArray summaries = new JsonArray();
        List<JsonObject> summaryList = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            progress.println("simulate: round " + (r + 1) + " of " + rounds);
            progress.flush();
            JsonObject summary = new Simulator(settings.withOut(settings.out().resolve("round-" + (r + 1))), judge,
                    progress).run(prompts, r);
            summaries.add(summary);
            summaryList.add(summary);
        }
        List<Point> curve = curve(summaryList);
        JsonObject result = new JsonObject().put("rounds", summaries)
                .put("curve", new JsonArray(curve.stream().map(Point::toJson).toList()));
        Files.writeString(settings.out().resolve("rounds.json"), result.encodePrettily() + "\n",
                StandardCharsets.UTF_8);
        draw(curve, settings.out().resolve("curve.png"));
        return result;
    }

    /**
     * The points: before the first round, the first comparison's serving model; after each round, the candidate's
     * figure when it was promoted (the server serves the candidate's label afterwards), else the serving model's.
     */
    static List<Point> curve(List<JsonObject> summaries) {
        List<Point> points = new ArrayList<>();
        for (int r = 0; r < summaries.size(); r++) {
            JsonObject summary = summaries.get(r);
            JsonObject comparison = summary.getJsonObject("comparison");
            JsonObject cycle = summary.getJsonObject("cycle");
            String gate = cycle == null || cycle.getJsonObject("gate") == null ? null
                    : cycle.getJsonObject("gate").getString("verdict");
            boolean compared = comparison != null && comparison.containsKey("candidate");
            JsonObject serving = compared ? intent(comparison.getJsonObject("serving")) : null;
            JsonObject candidate = compared ? intent(comparison.getJsonObject("candidate")) : null;
            if (r == 0) {
                points.add(new Point(0, serving, null, false, null));
            }
            boolean promoted = compared && comparison.getJsonObject("candidate").getString("label")
                    .equals(summary.getString("serving_after"));
            points.add(new Point(r + 1, promoted ? candidate : serving, candidate, promoted, gate));
        }
        return points;
    }

    private static JsonObject intent(JsonObject side) {
        JsonObject match = side.getJsonObject("intent_match");
        return new JsonObject().put("label", side.getString("label")).put("rate", match.getDouble("rate"))
                .put("ci", match.getJsonArray("ci"));
    }

    /** The curve as a picture: two series with their 95% intervals as error bars. */
    static void draw(List<Point> curve, Path png) {
        System.setProperty("java.awt.headless", "true");
        YIntervalSeries serving = new YIntervalSeries("serving after the round (promoted only through the gate)");
        YIntervalSeries candidate = new YIntervalSeries("the round's candidate");
        for (Point p : curve) {
            add(serving, p.round(), p.serving());
            add(candidate, p.round() + 0.08, p.candidate());
        }
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        data.addSeries(serving);
        data.addSeries(candidate);
        JFreeChart chart = ChartFactory.createXYLineChart("Intent match on held-out prompts, round by round",
                "round", "intent match (95% interval)", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        XYErrorRenderer renderer = new XYErrorRenderer();
        renderer.setDrawXError(false);
        renderer.setDefaultLinesVisible(true);
        renderer.setSeriesLinesVisible(1, false);
        renderer.setSeriesStroke(0, new BasicStroke(2f));
        plot.setRenderer(renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        try {
            Files.createDirectories(png.toAbsolutePath().getParent());
            ChartUtils.saveChartAsPNG(png.toFile(), chart, 800, 450);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png + ": " + e.getMessage(), e);
        }
    }

    private static void add(YIntervalSeries series, double x, JsonObject figure) {
        if (figure != null) {
            JsonArray ci = figure.getJsonArray("ci");
            series.add(x, figure.getDouble("rate"), ci.getDouble(0), ci.getDouble(1));
        }
    }
}
