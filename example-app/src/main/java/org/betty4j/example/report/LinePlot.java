package org.betty4j.example.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** A PNG line chart of named series (with optional error bars), written with XChart. */
public final class LinePlot {

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final Map<String, double[][]> series = new LinkedHashMap<>();

    public LinePlot(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** A series of points {@code (x[i], y[i])}. */
    public LinePlot add(String name, double[] x, double[] y) {
        return add(name, x, y, null);
    }

    /** A series with error bars {@code err[i]} (e.g. the std over seeds); null for none. */
    public LinePlot add(String name, double[] x, double[] y, double[] err) {
        if (x.length != y.length || (err != null && err.length != y.length)) {
            throw new IllegalArgumentException("series '" + name + "': " + x.length + " x values, " + y.length
                    + " y values" + (err == null ? "" : ", " + err.length + " error values"));
        }
        series.put(name, new double[][] {x, y, err});
        return this;
    }

    /**
     * The moving average over {@code window} points of a curve sampled at 1, 2, ...; x is the
     * last point of each window (the whole curve when it is shorter than the window).
     */
    public LinePlot addMovingAverage(String name, double[] values, int window) {
        int w = Math.min(window, values.length);
        double[] x = new double[values.length - w + 1];
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double sum = 0;
            for (int j = i; j < i + w; j++) {
                sum += values[j];
            }
            x[i] = i + w;
            y[i] = sum / w;
        }
        return add(name, x, y);
    }

    /** Writes the chart as {@code file} (a .png name), creating its directory. */
    public void save(Path file) {
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle(xLabel)
                .yAxisTitle(yLabel).build();
        chart.getStyler().setMarkerSize(4);
        List<String> names = new ArrayList<>(series.keySet());
        for (String name : names) {
            double[][] s = series.get(name);
            XYSeries added = s[2] == null ? chart.addSeries(name, s[0], s[1]) : chart.addSeries(name, s[0], s[1], s[2]);
            added.setMarker(s[0].length > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        }
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            String base = file.toString().endsWith(".png") ? file.toString().substring(0, file.toString().length() - 4)
                    : file.toString();
            BitmapEncoder.saveBitmap(chart, base, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the plot " + file + ": " + e.getMessage(), e);
        }
    }
}
