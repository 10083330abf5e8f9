package org.betty4j.example.noisy;

import java.io.IOException;
import org.betty4j.example.cli.StudyCommandLine;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.example.noisy.NoisyStudy.Result;
import org.betty4j.example.noisy.NoisyStudy.Settings;
import org.betty4j.example.noisy.NoisyStudy.Variant;
import org.betty4j.example.noisy.model.MetaLearner;
import org.betty4j.example.noisy.model.NoisyExperiment;
import org.betty4j.runtime.cli.ProgramMain;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The noisy-label study (Betty appendix A.2): Fashion-MNIST with symmetric label noise and a small
 * clean meta set; baseline, reweight-only and correct+reweight on identical noisy labels,
 * initializations and batch orders per seed. Prints progress, then a table with the mean ± std
 * over seeds and the per-seed values of the mean test accuracy over the last third of training;
 * with {@code --results DIR} it also writes {@code DIR/RESULTS.md} and PNG plots.
 */
@Command(name = "noisy-labels", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Baseline vs meta-learned reweighting / label correction on Fashion-MNIST with noisy labels.")
public final class NoisyLabelsApp implements Callable<Integer> {

    @Option(names = "--programs", split = ",", paramLabel = "P",
            description = "Programs to run: baseline, reweight, correct+reweight (default: baseline,correct+reweight).")
    List<String> programs = new ArrayList<>(List.of("baseline", "correct+reweight"));

    @Option(names = "--seeds", split = ",", paramLabel = "S", description = "Seeds (default: 1,2,3,4,5).")
    List<Long> seeds = new ArrayList<>(List.of(1L, 2L, 3L, 4L, 5L));

    @Option(names = "--steps", paramLabel = "N", description = "Global steps per run (default: ${DEFAULT-VALUE}).")
    int steps = 3000;

    @Option(names = "--eval-every", paramLabel = "N", description = "Test evaluation interval (default: ${DEFAULT-VALUE}).")
    int evalEvery = 100;

    @Option(names = "--noise", paramLabel = "RATE", description = "Fraction of wrong training labels (default: ${DEFAULT-VALUE}).")
    double noise = NoisyExperiment.DEFAULT_NOISE_RATE;

    @Option(names = "--meta-per-class", paramLabel = "K", description = "Clean meta images per class, 1..50 (default: ${DEFAULT-VALUE}).")
    int metaPerClass = NoisyExperiment.DEFAULT_META_PER_CLASS;

    @Option(names = "--method", description = "Best-response method through the classifier: ${COMPLETION-CANDIDATES} (default: AID_FD).")
    HypergradMethod method;

    @Option(names = "--unroll", paramLabel = "N", description = "Classifier steps per upper step (default: ${DEFAULT-VALUE}).")
    int unroll = 1;

    @Option(names = "--warmup", paramLabel = "N", description = "Classifier steps before the uppers start (default: ${DEFAULT-VALUE}).")
    int warmup = 0;

    @Option(names = "--lr", description = "Classifier SGD learning rate (default: ${DEFAULT-VALUE}).")
    float lr = 0.01f;

    @Option(names = "--meta-lr", description = "Adam learning rate of the upper problems (default: ${DEFAULT-VALUE}).")
    float metaLr = 1e-3f;

    @Option(names = "--trust-init", description = "Corrector's initial logit; trust starts at sigmoid of it (default: ${DEFAULT-VALUE}).")
    float trustInit = Corrector.DEFAULT_INITIAL_LOGIT;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Full Fashion-MNIST IDX files (default: the embedded subset).")
    String dataDir;

    @Option(names = "--no-progress", description = "No progress bar even on a terminal (elsewhere, e.g. under"
            + " Maven or in CI, there is none: a loss line every 1000 steps and one line per run).")
    boolean noProgress;

    @Option(names = "--results", paramLabel = "DIR", description = "Also write DIR/RESULTS.md and PNG plots.")
    Path results;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final PrintWriter out;

    public NoisyLabelsApp() {
        this(new PrintWriter(System.out, true));
    }

    NoisyLabelsApp(PrintWriter out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", "true");
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line; exit code 0 on success, 1 when a run failed, 2 for bad options. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        return StudyCommandLine.execute(new NoisyLabelsApp(out).withArgs(args), args, out, err);
    }

    @Override
    public Integer call() throws IOException {
        List<Variant> variants;
        try {
            variants = programs.stream().map(Variant::ofLabel).toList();
        } catch (IllegalArgumentException e) {
            throw new StudyCommandLine.BadOption("--programs " + String.join(",", programs) + ": " + e.getMessage());
        }
        if (evalEvery < 1 || steps < 3 || evalEvery * 3 > steps) {
            throw new StudyCommandLine.BadOption("--eval-every " + evalEvery
                    + " must be between 1 and a third of --steps " + steps + " (the metric averages the last third)");
        }
        StudyCommandLine.requireWritableDirectory("--results", results);
        Map<String, String> options = new LinkedHashMap<>();
        options.put(NoisyExperiment.NOISE_RATE, Double.toString(noise));
        options.put(NoisyExperiment.META_PER_CLASS, Integer.toString(metaPerClass));
        options.put(ProgramMain.learningRateKey("Classifier"), Float.toString(lr));
        options.put(MetaLearner.META_LR, Float.toString(metaLr));
        options.put(Corrector.INITIAL_LOGIT, Float.toString(trustInit));
        if (dataDir != null) {
            options.put(NoisyExperiment.DATA_DIR, dataDir);
        }
        String setting = String.format(Locale.ROOT,
                "noise %.0f%% symmetric, %d clean meta images per class, %d steps of batch 100, classifier SGD lr %s,"
                        + " uppers Adam lr %s, method %s, unroll %d, warm-up %d, trust init sigmoid(%s)",
                100 * noise, metaPerClass, steps, lr, metaLr, method == null ? "AID_FD" : method, unroll, warmup,
                trustInit);
        out.println("noisy-label study: " + setting);
        long start = System.nanoTime();
        List<Result> all = new ArrayList<>();
        for (long seed : seeds) {
            Map<String, String> seeded = new LinkedHashMap<>(options);
            seeded.put(NoisyExperiment.NOISE_SEED, Long.toString(seed));
            NoisyExperiment.Sets sets = NoisyExperiment.of(seeded);
            out.printf(Locale.ROOT, "%n== seed %d: %d training images, %.1f%% labels wrong, meta %d, test %d ==%n",
                    seed, sets.train().count(), 100 * sets.noiseFraction(), sets.meta().count(), sets.test().count());
            for (Variant v : variants) {
                Result r = NoisyStudy.run(v, seed, new Settings(steps, evalEvery, method, unroll, warmup, seeded),
                        !noProgress && System.console() != null);
                all.add(r);
                out.printf(Locale.ROOT, "%-17s seed %d: last-third test acc %.2f%%, final %.2f%%, noise fitted %.1f%%,"
                                + " %.1f s  %s%n", v.label(), seed, 100 * r.lastThird(), 100 * r.finalAccuracy(),
                        100 * r.noiseFitted(), r.seconds(), r.learned());
            }
        }
        double wall = (System.nanoTime() - start) / 1e9;
        String table = NoisyReport.table(all, variants, seeds);
        out.println();
        out.print(table);
        out.printf(Locale.ROOT, "wall time %.0f s (%s)%n", wall, NoisyReport.machine());
        if (results != null) {
            NoisyReport.write(results, setting, all, variants, seeds, wall, String.join(" ", commandLine));
            out.println("wrote " + results.resolve("RESULTS.md") + " and plots");
        }
        return 0;
    }

    private List<String> commandLine = List.of();

    /** The arguments as given, for the results file. */
    NoisyLabelsApp withArgs(String[] args) {
        commandLine = List.of(args);
        return this;
    }
}
