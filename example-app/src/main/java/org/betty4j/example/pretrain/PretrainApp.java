package org.betty4j.example.pretrain;

import ai.djl.ndarray.NDArray;
import org.betty4j.example.cli.StudyCommandLine;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.betty4j.example.maml.FewShotMlp;
import org.betty4j.example.model.ExperimentData;
import org.betty4j.example.report.LinePlot;
import org.betty4j.example.report.Machine;
import org.betty4j.example.report.SeedStats;
import org.betty4j.runtime.autograd.ClosedArrayBuffers;
import org.betty4j.runtime.autograd.GradMode;
import org.betty4j.runtime.cli.ProgramMain;
import org.betty4j.runtime.data.ImageSet;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.EngineListener;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Program 4, pretrain / finetune / reweight under a domain shift (see {@link DomainShift}):
 * for each seed it runs the generated three-level program twice with the same seed (same
 * initialization, same batches): once with the reweighting problem's learning rate at 0 (the
 * source weights stay uniform: plain pretraining + finetuning, the baseline) and once with
 * reweighting on. Reports the finetuned network's accuracy on the target test images.
 */
@Command(name = "pretrain-finetune-reweight", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Three-level pretrain/finetune/reweight on rotated Fashion-MNIST vs pretrain + finetune.")
public final class PretrainApp implements Callable<Integer> {

    @Option(names = "--seeds", split = ",", paramLabel = "S", description = "Seeds (default: 1,2,3,4,5).")
    List<Long> seeds = new ArrayList<>(List.of(1L, 2L, 3L, 4L, 5L));

    @Option(names = "--steps", paramLabel = "N", description = "Global steps per run (default: ${DEFAULT-VALUE}).")
    int steps = 500;

    @Option(names = "--eval-every", paramLabel = "N", description = "Evaluate on the target test set every N steps (default: ${DEFAULT-VALUE}).")
    int evalEvery = 100;

    @Option(names = "--reweight-lr", description = "Adam rate of the source weights (default: ${DEFAULT-VALUE}).")
    float reweightLr = 0.05f;

    @Option(names = "--out", paramLabel = "DIR", description = "Where results.md and the PNGs go (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("results", "pretrain");

    @Option(names = "--quick", description = "A seconds-long smoke run: 1 seed, 30 steps (overrides the above).")
    boolean quick;

    private final PrintWriter log;

    public PretrainApp(PrintWriter log) {
        this.log = log;
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true)));
    }

    public static int run(String[] args, PrintWriter log) {
        return StudyCommandLine.execute(new PretrainApp(log), args, log, new PrintWriter(System.err, true));
    }

    /** One run's outcome. */
    record Outcome(double targetAccuracy, double pretrainedTargetAccuracy, double sourceAccuracy, double[] curve,
            double[] classWeights, double seconds) {}

    @Override
    public Integer call() throws IOException {
        StudyCommandLine.requireWritableDirectory("--out", out);
        if (quick) {
            seeds = List.of(1L);
            steps = 30;
            evalEvery = 10;
        }
        DomainShift shift = DomainShift.of(ExperimentData.load(null));
        int n = seeds.size();
        Outcome[][] outcomes = new Outcome[2][n];
        long startAll = System.nanoTime();
        for (int s = 0; s < n; s++) {
            long seed = seeds.get(s);
            for (int m = 0; m < 2; m++) {
                float lr = m == 0 ? 0f : reweightLr;
                outcomes[m][s] = runOnce(shift, seed, lr);
                log.printf(Locale.ROOT, "seed %d %-22s target test %.2f%% (pretrained only %.2f%%), upright source "
                        + "test %.2f%% (%.0f s)%n", seed, m == 0 ? "pretrain + finetune:" : "+ reweighting (MLO):",
                        100 * outcomes[m][s].targetAccuracy(), 100 * outcomes[m][s].pretrainedTargetAccuracy(),
                        100 * outcomes[m][s].sourceAccuracy(), outcomes[m][s].seconds());
            }
        }
        writeResults(shift, outcomes, (System.nanoTime() - startAll) / 1e9);
        return 0;
    }

    private Outcome runOnce(DomainShift shift, long seed, float lr) {
        long start = System.nanoTime();
        Map<String, String> options = new HashMap<>();
        options.put(ProgramMain.learningRateKey("SourceReweighting"), String.valueOf(lr));
        EngineConfig config = EngineConfig.builder().optIterations(steps).optSeed(seed).optOptions(options).build();
        List<Double> curve = new ArrayList<>();
        double[][] result = new double[4][];
        try (Engine engine = SourceReweightingEngine.create(config)) {
            Pretraining pre = (Pretraining) engine.program().problem("Pretraining").trainable();
            Finetuning fine = (Finetuning) engine.program().problem("Finetuning").trainable();
            SourceReweighting rw = (SourceReweighting) engine.program().problem("SourceReweighting").trainable();
            engine.addListener(new EngineListener() {
                @Override
                public void onGlobalStep(Engine e, int globalStep) {
                    if (globalStep % evalEvery == 0 || globalStep == steps) {
                        curve.add(accuracy(pre.network(), fine.offset(), shift.targetTest()));
                    }
                }

                @Override
                public void onRunEnd(Engine e) {
                    result[0] = new double[] {accuracy(pre.network(), fine.offset(), shift.targetTest())};
                    result[1] = new double[] {accuracy(pre.network(), null, shift.targetTest())};
                    result[2] = new double[] {accuracy(pre.network(), null, shift.sourceTest())};
                    result[3] = classWeights(rw.allWeights(), shift.source());
                }
            });
            engine.run();
        }
        return new Outcome(result[0][0], result[1][0], result[2][0], curve.stream().mapToDouble(d -> d).toArray(),
                result[3], (System.nanoTime() - start) / 1e9);
    }

    /** Mean weight of the source examples of each class. */
    private static double[] classWeights(float[] weights, ImageSet source) {
        double[] sum = new double[10];
        int[] count = new int[10];
        for (int i = 0; i < weights.length; i++) {
            sum[source.label(i)] += weights[i];
            count[source.label(i)]++;
        }
        for (int c = 0; c < 10; c++) {
            sum[c] /= count[c];
        }
        return sum;
    }

    /** Accuracy of {@code base} (plus {@code offset} when not null) on {@code set}. */
    static double accuracy(FewShotMlp base, FewShotMlp offset, ImageSet set) {
        NDManager owner = base.arrays().get(0).getManager();
        try (NDManager m = ClosedArrayBuffers.retaining(owner.newSubManager()); GradMode off = GradMode.disabled()) {
            for (NDArray a : base.arrays()) {
                a.tempAttach(m);
            }
            if (offset != null) {
                for (NDArray a : offset.arrays()) {
                    a.tempAttach(m);
                }
            }
            FewShotMlp net = offset == null ? base : base.plus(offset);
            NDArray labels = set.labels(m);
            return FewShotMlp.accuracy(net.logits(DomainShift.images(set, m)), labels);
        }
    }

    private void writeResults(DomainShift shift, Outcome[][] o, double totalSeconds) throws IOException {
        int n = seeds.size();
        String[] names = {"pretrain + finetune (baseline)", "pretrain + finetune + reweight (MLO)"};
        double[][] target = new double[2][n];
        double[][] pretrainedTarget = new double[2][n];
        double[][] source = new double[2][n];
        double[][] seconds = new double[2][n];
        for (int m = 0; m < 2; m++) {
            for (int s = 0; s < n; s++) {
                target[m][s] = 100 * o[m][s].targetAccuracy();
                pretrainedTarget[m][s] = 100 * o[m][s].pretrainedTargetAccuracy();
                source[m][s] = 100 * o[m][s].sourceAccuracy();
                seconds[m][s] = o[m][s].seconds();
            }
        }
        StringBuilder md = new StringBuilder("# Program 4: pretrain / finetune / reweight — results\n\n");
        md.append(String.format(Locale.ROOT, "Source: %d upright long-tailed images; target: rotated by 90°, %d labelled "
                        + "finetuning images, %d validation images (the reweighting problem's data), %d test images. "
                        + "%d global steps per run; seeds %s; the two rows of a seed share initialization and batches.%n%n",
                shift.source().count(), shift.targetTrain().count(), shift.targetValidation().count(),
                shift.targetTest().count(), steps, seeds));
        md.append("| program | target test accuracy (%) | per seed | pretrained only, on target (%) | pretrained, upright source test (%) | wall time per run (s) |\n");
        md.append("|---|---|---|---|---|---|\n");
        for (int m = 0; m < 2; m++) {
            md.append("| ").append(names[m]).append(" | ").append(SeedStats.meanStd(target[m], 2)).append(" | ")
                    .append(SeedStats.perSeed(target[m], 2)).append(" | ").append(SeedStats.meanStd(pretrainedTarget[m], 2))
                    .append(" | ").append(SeedStats.meanStd(source[m], 2)).append(" | ")
                    .append(SeedStats.perSeed(seconds[m], 0)).append(" |\n");
        }
        double[] diff = new double[n];
        int wins = 0;
        for (int s = 0; s < n; s++) {
            diff[s] = target[1][s] - target[0][s];
            wins += diff[s] > 0 ? 1 : 0;
        }
        md.append(String.format(Locale.ROOT, "%nMLO − baseline on the target test set: %s points (per seed %s); "
                + "the MLO program is above the baseline on %d of %d seeds%s.%n", SeedStats.meanStd(diff, 2),
                SeedStats.perSeed(diff, 2), wins, n, wins == n ? "" : ": it does NOT beat the baseline on every seed"));
        md.append("\nMean learned weight of the source examples per class (MLO, mean over seeds; all start at 0.5):\n\n");
        md.append("| class | 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        md.append("| source images |");
        for (int c = 0; c < 10; c++) {
            md.append(' ').append(shift.source().classCounts(10)[c]).append(" |");
        }
        md.append("\n| mean weight |");
        double[] meanWeights = new double[10];
        for (int c = 0; c < 10; c++) {
            double[] v = new double[n];
            for (int s = 0; s < n; s++) {
                v[s] = o[1][s].classWeights()[c];
            }
            meanWeights[c] = SeedStats.mean(v);
            md.append(String.format(Locale.ROOT, " %.3f |", meanWeights[c]));
        }
        md.append(String.format(Locale.ROOT, "%n%nWhole run %.0f s. Machine: %s.%n", totalSeconds,
                Machine.describe()));
        Files.createDirectories(out);
        Files.writeString(out.resolve("results.md"), md.toString());

        LinePlot plot = new LinePlot("Finetuned network on the rotated target test set", "global step",
                "target test accuracy (%), mean ± std over seeds");
        for (int m = 0; m < 2; m++) {
            int points = o[m][0].curve().length;
            double[] x = new double[points];
            double[] mean = new double[points];
            double[] std = new double[points];
            for (int k = 0; k < points; k++) {
                x[k] = Math.min(steps, (k + 1) * evalEvery);
                double[] v = new double[n];
                for (int s = 0; s < n; s++) {
                    v[s] = 100 * o[m][s].curve()[k];
                }
                mean[k] = SeedStats.mean(v);
                std[k] = SeedStats.std(v);
            }
            plot.add(names[m], x, mean, std);
        }
        plot.save(out.resolve("target-accuracy.png"));
        double[] classes = new double[10];
        for (int c = 0; c < 10; c++) {
            classes[c] = c;
        }
        new LinePlot("Learned source weights per class (MLO, mean over seeds)", "class (0 = most images, 9 = fewest)",
                "mean weight").add("mean weight", classes, meanWeights).save(out.resolve("class-weights.png"));
        log.println();
        log.print(md);
        log.println("wrote " + out.resolve("results.md") + ", target-accuracy.png, class-weights.png");
    }
}
