package org.betty4j.example.synthetic;

import java.awt.Graphics2D;
import org.betty4j.example.cli.StudyCommandLine;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.EngineListener;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.hypergrad.HypergradConfig;
import org.betty4j.runtime.problem.Cost;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The convergence study (Betty §5.1-style) on the synthetic bilevel problem of {@link RidgeData},
 * whose optimum is known in closed form: the same program run with each best-response method
 * through the regression, on the same data per seed, measuring after every upper step the exact
 * upper objective gap {@code f(θ) − f*} (through the exact best response) and {@code ‖θ − θ*‖},
 * against upper steps and wall time, and the peak resident memory of each run.
 */
@Command(name = "synthetic-hpo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "AID_FD, AID_CG, AID_NEUMANN and ITD_RMAD on a bilevel ridge problem with a closed-form optimum.")
public final class SyntheticHpoApp implements Callable<Integer> {

    @Option(names = "--methods", split = ",", description = "Methods (default: all four).")
    List<HypergradMethod> methods = new ArrayList<>(List.of(HypergradMethod.AID_FD, HypergradMethod.AID_CG,
            HypergradMethod.AID_NEUMANN, HypergradMethod.ITD_RMAD));

    @Option(names = "--seeds", split = ",", description = "Data seeds (default: 1,2,3,4,5).")
    List<Long> seeds = new ArrayList<>(List.of(1L, 2L, 3L, 4L, 5L));

    @Option(names = "--upper-steps", description = "Upper (θ) steps per run (default: ${DEFAULT-VALUE}).")
    int upperSteps = 100;

    @Option(names = "--unroll", description = "Regression steps per upper step (default: ${DEFAULT-VALUE}).")
    int unroll = 10;

    @Option(names = "--features", description = "Features d (default: ${DEFAULT-VALUE}).")
    int features = 20;

    @Option(names = "--results", paramLabel = "DIR", description = "Write DIR/RESULTS.md and two PNGs.")
    Path results;

    private final PrintWriter out;
    private List<String> args = List.of();

    public SyntheticHpoApp() {
        this(new PrintWriter(System.out, true));
    }

    SyntheticHpoApp(PrintWriter out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", "true");
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        SyntheticHpoApp app = new SyntheticHpoApp(out);
        app.args = List.of(args);
        return StudyCommandLine.execute(app, args, out, err);
    }

    /** One run's trace: after upper step k (1-based), seconds since the run started, gap and distance. */
    record Trace(HypergradMethod method, long seed, double[] seconds, double[] gap, double[] distance,
            double initialGap, double initialDistance, double msPerUpperStep, long peakRssMiB) {}

    @Override
    public Integer call() throws IOException {
        StudyCommandLine.requireWritableDirectory("--results", results);
        out.printf(Locale.ROOT, "synthetic HPO: d=%d, %d upper steps of %d regression steps each, seeds %s%n",
                features, upperSteps, unroll, seeds);
        long start = System.nanoTime();
        List<Trace> traces = new ArrayList<>();
        for (long seed : seeds) {
            for (HypergradMethod method : methods) {
                Trace t = run(method, seed);
                traces.add(t);
                out.printf(Locale.ROOT, "seed %d %-12s f-f* %.3e -> %.3e  |θ-θ*| %.3e -> %.3e  %.2f ms/upper step"
                                + "  peak RSS %d MiB%n", seed, method, t.initialGap, last(t.gap), t.initialDistance,
                        last(t.distance), t.msPerUpperStep, t.peakRssMiB);
            }
        }
        String table = table(traces);
        out.println();
        out.print(table);
        double wall = (System.nanoTime() - start) / 1e9;
        out.printf(Locale.ROOT, "wall time %.0f s%n", wall);
        if (results != null) {
            write(results, traces, table, wall);
            out.println("wrote " + results.resolve("RESULTS.md"));
        }
        return 0;
    }

    Map<String, String> options(long seed) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put(SyntheticHpo.FEATURES, Integer.toString(features));
        o.put(SyntheticHpo.DATA_SEED, Long.toString(seed));
        return o;
    }

    Trace run(HypergradMethod method, long seed) {
        Map<String, String> options = options(seed);
        RidgeData data = SyntheticHpo.data(options);
        Program program = PriorEngine.program();
        program = program.toBuilder().replace(program.problem("Regression").toBuilder()
                .optHypergrad(HypergradConfig.defaults(method)).optUnrollSteps(unroll).build()).build();
        List<Double> seconds = new ArrayList<>();
        List<Double> gap = new ArrayList<>();
        List<Double> distance = new ArrayList<>();
        double[] t0 = new double[1];
        ResidentMemory.resetPeak();
        EngineConfig config = EngineConfig.builder().optIterations(upperSteps * unroll).optSeed(seed)
                .optDataType(ai.djl.ndarray.types.DataType.FLOAT64).optOptions(options).build();
        try (Engine engine = new Engine(program, config)) {
            engine.addListener(new EngineListener() {
                @Override
                public void onRunStart(Engine e) {
                    t0[0] = System.nanoTime();
                }

                @Override
                public void onProblemStep(ProblemNode problem, int localStep, int globalStep, double loss, Cost cost) {
                    if (problem.name().equals("Prior")) {
                        double elapsed = (System.nanoTime() - t0[0]) / 1e9;
                        double[] theta = ((Prior) problem.trainable()).theta().toDoubleArray();
                        seconds.add(elapsed);
                        gap.add(data.upperObjective(theta) - data.optimalUpperObjective());
                        distance.add(data.distanceToOptimum(theta));
                    }
                }
            });
            engine.run();
        }
        double[] zero = new double[data.features];
        double[] s = toArray(seconds);
        return new Trace(method, seed, s, toArray(gap), toArray(distance),
                data.upperObjective(zero) - data.optimalUpperObjective(), data.distanceToOptimum(zero),
                1000 * last(s) / s.length, ResidentMemory.peakMiB());
    }

    /** Per method: final gap and distance (mean ± std over seeds, per seed), ms per upper step, peak RSS. */
    String table(List<Trace> traces) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "After %d upper steps (θ starts at 0: ‖θ−θ*‖ = %s, f−f* = %s, mean over seeds)%n%n",
                upperSteps, meanStd(traces.stream().filter(t -> t.method == methods.get(0))
                        .mapToDouble(Trace::initialDistance).toArray(), "%.3f"),
                meanStd(traces.stream().filter(t -> t.method == methods.get(0)).mapToDouble(Trace::initialGap).toArray(),
                        "%.3e")));
        s.append("| method | f − f* (mean ± std) | ‖θ − θ*‖ (mean ± std) | ‖θ − θ*‖ per seed | ms / upper step | peak RSS MiB |\n");
        s.append("|---|---|---|---|---|---|\n");
        for (HypergradMethod m : methods) {
            List<Trace> of = traces.stream().filter(t -> t.method == m).toList();
            double[] gaps = of.stream().mapToDouble(t -> last(t.gap)).toArray();
            double[] dist = of.stream().mapToDouble(t -> last(t.distance)).toArray();
            StringBuilder perSeed = new StringBuilder();
            for (Trace t : of) {
                perSeed.append(perSeed.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2e", last(t.distance)));
            }
            s.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", m, meanStd(gaps, "%.2e"),
                    meanStd(dist, "%.2e"), perSeed, meanStd(of.stream().mapToDouble(Trace::msPerUpperStep).toArray(), "%.2f"),
                    meanStd(of.stream().mapToDouble(t -> t.peakRssMiB).toArray(), "%.0f")));
        }
        return s.toString();
    }

    private void write(Path dir, List<Trace> traces, String table, double wall) throws IOException {
        Files.createDirectories(dir);
        save(dir.resolve("convergence-vs-steps.png"), traces, false);
        save(dir.resolve("convergence-vs-time.png"), traces, true);
        String md = "# Synthetic hyperparameter optimization: hypergradient methods against a known optimum\n\n"
                + "Written by `SyntheticHpoApp" + (args.isEmpty() ? "" : " " + String.join(" ", args)) + "`.\n\n"
                + table + String.format(Locale.ROOT, "%nWall time %.0f s; %s. Timings move with the load of the"
                        + " machine.%n%n", wall, org.betty4j.example.report.Machine.describe())
                + "![against steps](convergence-vs-steps.png)\n\n![against wall time](convergence-vs-time.png)\n";
        Files.writeString(dir.resolve("RESULTS.md"), md);
    }

    /** Two charts side by side (upper objective gap, distance to θ*), mean over seeds, log scale. */
    private void save(Path file, List<Trace> traces, boolean againstTime) throws IOException {
        XYChart gapChart = chart("upper objective gap f(θ) − f*", againstTime);
        XYChart distChart = chart("distance to the optimum ‖θ − θ*‖", againstTime);
        for (HypergradMethod m : methods) {
            List<Trace> of = traces.stream().filter(t -> t.method == m).toList();
            int n = of.get(0).gap.length;
            double[] x = new double[n];
            double[] g = new double[n];
            double[] d = new double[n];
            for (int i = 0; i < n; i++) {
                for (Trace t : of) {
                    x[i] += (againstTime ? t.seconds[i] : i + 1) / of.size();
                    g[i] += Math.max(t.gap[i], 1e-16) / of.size();
                    d[i] += Math.max(t.distance[i], 1e-16) / of.size();
                }
            }
            gapChart.addSeries(m.name(), x, g).setMarker(SeriesMarkers.NONE);
            distChart.addSeries(m.name(), x, d).setMarker(SeriesMarkers.NONE);
        }
        BufferedImage left = BitmapEncoder.getBufferedImage(gapChart);
        BufferedImage right = BitmapEncoder.getBufferedImage(distChart);
        BufferedImage both = new BufferedImage(left.getWidth() + right.getWidth(), left.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = both.createGraphics();
        g.drawImage(left, 0, 0, null);
        g.drawImage(right, left.getWidth(), 0, null);
        g.dispose();
        ImageIO.write(both, "png", file.toFile());
    }

    private XYChart chart(String title, boolean againstTime) {
        XYChart c = new XYChartBuilder().width(650).height(450).title(title + " (mean over seeds)")
                .xAxisTitle(againstTime ? "wall time (s)" : "upper step").yAxisTitle(title).build();
        c.getStyler().setYAxisLogarithmic(true);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        return c;
    }

    static double last(double[] a) {
        return a[a.length - 1];
    }

    private static double[] toArray(List<Double> l) {
        return l.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static String meanStd(double[] a, String format) {
        double m = 0;
        for (double x : a) {
            m += x / a.length;
        }
        double v = 0;
        for (double x : a) {
            v += (x - m) * (x - m);
        }
        double sd = a.length > 1 ? Math.sqrt(v / (a.length - 1)) : 0;
        return String.format(Locale.ROOT, format + " ± " + format, m, sd);
    }
}
