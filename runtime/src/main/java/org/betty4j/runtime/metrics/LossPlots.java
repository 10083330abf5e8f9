package org.betty4j.runtime.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineListener;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.problem.Cost;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * At the end of a run, one PNG per problem, {@code DIR/<problem>-loss.png}: its loss against
 * its local step (XChart). Problems have their own scales, so each gets its own chart; the
 * y axis is logarithmic when every loss is positive and they span more than two decades.
 */
public final class LossPlots implements EngineListener {

    private static final int WIDTH = 800;
    private static final int HEIGHT = 500;

    private final Path directory;
    private final Map<String, List<double[]>> losses = new LinkedHashMap<>();
    private final List<Path> written = new ArrayList<>();

    /** @param directory where {@link #onRunEnd} writes the charts; null: nowhere (use {@link #pngs}) */
    public LossPlots(Path directory) {
        this.directory = directory;
    }

    @Override
    public void onProblemStep(ProblemNode problem, int localStep, int globalStep, double loss, Cost cost) {
        if (Double.isFinite(loss)) {
            losses.computeIfAbsent(problem.name(), k -> new ArrayList<>()).add(new double[] {localStep, loss});
        }
    }

    @Override
    public void onRunEnd(Engine engine) {
        if (directory != null) {
            write(engine.program().name());
        }
    }

    /** Every problem's chart as PNG bytes, by problem, in the order problems first stepped. */
    public Map<String, byte[]> pngs(String programName) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, List<double[]>> e : losses.entrySet()) {
                out.put(e.getKey(), BitmapEncoder.getBitmapBytes(chart(programName, e.getKey(), e.getValue()),
                        BitmapEncoder.BitmapFormat.PNG));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render the loss plots: " + e.getMessage(), e);
        }
        return out;
    }

    /** Writes every problem's chart now; returns the files. */
    public List<Path> write(String programName) {
        try {
            Files.createDirectories(directory);
            for (Map.Entry<String, List<double[]>> e : losses.entrySet()) {
                Path file = directory.resolve(e.getKey() + "-loss.png");
                BitmapEncoder.saveBitmap(chart(programName, e.getKey(), e.getValue()), file.toString(),
                        BitmapEncoder.BitmapFormat.PNG);
                written.add(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the loss plots to " + directory + ": " + e.getMessage(), e);
        }
        return List.copyOf(written);
    }

    /** The files written so far. */
    public List<Path> written() {
        return List.copyOf(written);
    }

    private static XYChart chart(String programName, String problem, List<double[]> points) {
        double[] steps = points.stream().mapToDouble(p -> p[0]).toArray();
        double[] values = points.stream().mapToDouble(p -> p[1]).toArray();
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title(programName + ": " + problem + " loss").xAxisTitle("local step").yAxisTitle("loss").build();
        chart.getStyler().setLegendVisible(false);
        double min = java.util.Arrays.stream(values).min().orElse(0);
        double max = java.util.Arrays.stream(values).max().orElse(0);
        chart.getStyler().setYAxisLogarithmic(min > 0 && max / min > 100);
        chart.addSeries(problem, steps, values).setMarker(SeriesMarkers.NONE);
        return chart;
    }
}
