package ai.kaizen.trainer.demo;

import ai.kaizen.trainer.training.MetricsLog;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Training curves as PNG pictures, drawn with JFreeChart from the {@code metrics.jsonl} files the trainers write:
 * each chart is a set of lines, each line one metric of one run against its step.
 */
public final class TrainingCurves {

    private TrainingCurves() {
    }

    /**
     * One line of a chart.
     *
     * @param label the legend
     * @param runDir the run's output directory (holding {@code metrics.jsonl})
     * @param metric the metric's name in that file (e.g. {@code objective/kl})
     */
    public record Line(String label, Path runDir, String metric) {}

    /**
     * The points of one metric in a run's {@code metrics.jsonl}, by step (a later line for the same step, as after a
     * resume, replaces the earlier one).
     *
     * @param runDir the run's output directory
     * @param metric the metric
     * @return step to value, in file order
     */
    public static Map<Long, Double> series(Path runDir, String metric) {
        Map<Long, Double> points = new LinkedHashMap<>();
        Path file = runDir.resolve(MetricsLog.FILE);
        if (!Files.exists(file)) {
            return points;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                JsonElement step = o.get("step");
                JsonElement value = o.get(metric);
                if (step != null && value != null && value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber()) {
                    points.put(step.getAsLong(), value.getAsDouble());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return points;
    }

    /**
     * Draws one chart.
     *
     * @param title the chart's title
     * @param yLabel the vertical axis
     * @param lines its lines (those with no points are left out)
     * @param png where to write the picture (800 x 450)
     * @return how many lines were drawn
     */
    public static int draw(String title, String yLabel, List<Line> lines, Path png) {
        System.setProperty("java.awt.headless", "true");
        XYSeriesCollection data = new XYSeriesCollection();
        List<String> drawn = new ArrayList<>();
        for (Line line : lines) {
            Map<Long, Double> points = series(line.runDir(), line.metric());
            if (points.isEmpty()) {
                continue;
            }
            XYSeries s = new XYSeries(line.label(), true, false);
            points.forEach(s::add);
            data.addSeries(s);
            drawn.add(line.label());
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, "step", yLabel, data, PlotOrientation.VERTICAL,
                true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            plot.getRenderer().setSeriesStroke(i, new BasicStroke(2f));
        }
        try {
            Files.createDirectories(png.toAbsolutePath().getParent());
            ChartUtils.saveChartAsPNG(png.toFile(), chart, 800, 450);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png + ": " + e.getMessage(), e);
        }
        return drawn.size();
    }
}
