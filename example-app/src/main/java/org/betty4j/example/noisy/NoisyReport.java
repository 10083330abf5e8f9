package org.betty4j.example.noisy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.betty4j.example.noisy.NoisyStudy.Result;
import org.betty4j.example.noisy.NoisyStudy.Variant;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The study's table (Markdown) and plots. */
final class NoisyReport {

    private NoisyReport() {}

    /**
     * One row per program: mean ± std (sample std) over seeds of the last-third test accuracy, each
     * seed's value, and, against the baseline of the same seed, the mean difference and on how many
     * seeds the program is above it.
     */
    static String table(List<Result> all, List<Variant> variants, List<Long> seeds) {
        StringBuilder s = new StringBuilder();
        s.append("Mean test accuracy (%) over the last third of training\n\n");
        s.append("| program | mean ± std |");
        for (long seed : seeds) {
            s.append(" seed ").append(seed).append(" |");
        }
        s.append(" Δ vs baseline (mean ± std) | seeds above baseline | final acc | noise fitted | s/run |\n|---|---|");
        s.append("---|".repeat(seeds.size())).append("---|---|---|---|---|\n");
        for (Variant v : variants) {
            double[] acc = values(all, v, seeds, Result::lastThird);
            s.append("| ").append(v.label()).append(" | ").append(meanStd(acc, 100)).append(" |");
            for (double a : acc) {
                s.append(String.format(Locale.ROOT, " %.2f |", 100 * a));
            }
            if (v != Variant.BASELINE && variants.contains(Variant.BASELINE)) {
                double[] base = values(all, Variant.BASELINE, seeds, Result::lastThird);
                double[] diff = new double[acc.length];
                int above = 0;
                for (int i = 0; i < acc.length; i++) {
                    diff[i] = acc[i] - base[i];
                    above += diff[i] > 0 ? 1 : 0;
                }
                s.append(' ').append(meanStd(diff, 100)).append(" | ").append(above).append(" of ").append(acc.length)
                        .append(" |");
            } else {
                s.append(" – | – |");
            }
            s.append(' ').append(meanStd(values(all, v, seeds, Result::finalAccuracy), 100)).append(" |");
            s.append(' ').append(meanStd(values(all, v, seeds, Result::noiseFitted), 100)).append(" |");
            s.append(String.format(Locale.ROOT, " %.1f |%n", mean(values(all, v, seeds, Result::seconds))));
        }
        return s.toString();
    }

    static String machine() {
        return org.betty4j.example.report.Machine.describe() + "; wall times move with the machine's load";
    }

    static void write(Path dir, String setting, List<Result> all, List<Variant> variants, List<Long> seeds, double wall,
            String args) throws IOException {
        Files.createDirectories(dir);
        StringBuilder md = new StringBuilder();
        md.append("# Noisy labels: baseline vs meta-learned reweighting and label correction\n\n");
        md.append("Written by `NoisyLabelsApp").append(args.isEmpty() ? "" : " " + args).append("`.\n\n");
        md.append("Setting: ").append(setting).append(".\n\n");
        md.append(table(all, variants, seeds)).append('\n');
        md.append("Learned functions at the end of each run (upper problems):\n\n");
        for (Result r : all) {
            if (!r.learned().isEmpty()) {
                md.append("- ").append(r.variant().label()).append(", seed ").append(r.seed()).append(": ")
                        .append(r.learned()).append('\n');
            }
        }
        md.append(String.format(Locale.ROOT, "%nWall time %.0f s; %s.%n%n", wall, machine()));
        md.append("![test accuracy](test-accuracy.png)\n");
        Files.writeString(dir.resolve("RESULTS.md"), md.toString());

        XYChart chart = new XYChartBuilder().width(900).height(500).title("Test accuracy during training (mean over seeds)")
                .xAxisTitle("global step").yAxisTitle("test accuracy (%)").build();
        for (Variant v : variants) {
            List<Result> runs = all.stream().filter(r -> r.variant() == v).toList();
            int[] steps = runs.get(0).evalSteps();
            double[] x = new double[steps.length];
            double[] y = new double[steps.length];
            for (int i = 0; i < steps.length; i++) {
                x[i] = steps[i];
                for (Result r : runs) {
                    y[i] += 100 * r.testAccuracy()[i] / runs.size();
                }
            }
            chart.addSeries(v.label(), x, y).setMarker(SeriesMarkers.NONE);
        }
        BitmapEncoder.saveBitmap(chart, dir.resolve("test-accuracy.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    static double[] values(List<Result> all, Variant v, List<Long> seeds, java.util.function.ToDoubleFunction<Result> f) {
        List<Double> out = new ArrayList<>();
        for (long seed : seeds) {
            all.stream().filter(r -> r.variant() == v && r.seed() == seed).findFirst()
                    .ifPresent(r -> out.add(f.applyAsDouble(r)));
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static double mean(double[] a) {
        double s = 0;
        for (double x : a) {
            s += x;
        }
        return s / a.length;
    }

    /** Sample standard deviation (n − 1); 0 for one value. */
    static double std(double[] a) {
        if (a.length < 2) {
            return 0;
        }
        double m = mean(a);
        double s = 0;
        for (double x : a) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (a.length - 1));
    }

    static String meanStd(double[] a, double scale) {
        return String.format(Locale.ROOT, "%.2f ± %.2f", scale * mean(a), scale * std(a));
    }
}
