package org.betty4j.example.maml;

import ai.djl.ndarray.NDManager;
import org.betty4j.example.cli.StudyCommandLine;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.betty4j.example.model.ExperimentData;
import org.betty4j.example.report.LinePlot;
import org.betty4j.example.report.Machine;
import org.betty4j.example.report.SeedStats;
import org.betty4j.runtime.cli.ProgramMain;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.EngineListener;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.problem.Cost;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Program 6, MAML few-shot on Fashion-MNIST classes: for each seed it
 * meta-trains the initialization with the generated two-level program, then adapts three
 * initializations to the same evaluation tasks (classes never seen in meta-training) with the
 * same adaptation procedure: the initialization before meta-training (from scratch), that
 * initialization pretrained as an ordinary classifier on the meta-training classes, and the
 * meta-learned one. Writes {@code results.md} and two PNGs to {@code --out}.
 */
@Command(name = "maml", mixinStandardHelpOptions = true, sortOptions = false,
        description = "MAML 5-way few-shot on Fashion-MNIST classes vs scratch and pretrain+finetune.")
public final class MamlApp implements Callable<Integer> {

    @Option(names = "--seeds", split = ",", paramLabel = "S", description = "Seeds (default: 1,2,3,4,5).")
    List<Long> seeds = new ArrayList<>(List.of(1L, 2L, 3L, 4L, 5L));

    @Option(names = "--tasks", paramLabel = "N", description = "Meta-training tasks per seed (default: ${DEFAULT-VALUE}).")
    int tasks = 400;

    @Option(names = "--test-tasks", paramLabel = "N",
            description = "Evaluation tasks per seed and task set (default: ${DEFAULT-VALUE}).")
    int testTasks = 100;

    @Option(names = "--shots", paramLabel = "K", description = "Support images per class (default: ${DEFAULT-VALUE}).")
    int shots = 5;

    @Option(names = "--lambda", description = "Proximal weight λ (default: ${DEFAULT-VALUE}).")
    float lambda = 0f;

    @Option(names = "--inner-lr", description = "Adaptation SGD learning rate (default: ${DEFAULT-VALUE}).")
    float innerLr = 0.1f;

    @Option(names = "--meta-lr", description = "Meta (and pretraining) Adam learning rate (default: ${DEFAULT-VALUE}).")
    float metaLr = 1e-3f;

    @Option(names = "--out", paramLabel = "DIR", description = "Where results.md and the PNGs go (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("results", "maml");

    @Option(names = "--quick", description = "A seconds-long smoke run: 1 seed, 12 tasks, 4 evaluation tasks per set (overrides the above).")
    boolean quick;

    private final PrintWriter log;

    public MamlApp(PrintWriter log) {
        this.log = log;
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true)));
    }

    /** Runs with {@code args}, printing progress to {@code log}; returns the exit code. */
    public static int run(String[] args, PrintWriter log) {
        return StudyCommandLine.execute(new MamlApp(log), args, log, new PrintWriter(System.err, true));
    }

    @Override
    public Integer call() throws IOException {
        StudyCommandLine.requireWritableDirectory("--out", out);
        if (quick) {
            seeds = List.of(1L);
            tasks = 12;
            testTasks = 4;
        }
        if (tasks % MamlSettings.META_BATCH != 0) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--tasks " + tasks + ": must be a multiple of the"
                    + " meta-batch " + MamlSettings.META_BATCH);
        }
        java.util.Map<String, String> options = java.util.Map.of(
                MamlSettings.SHOTS_OPTION, String.valueOf(shots),
                MamlSettings.LAMBDA_OPTION, String.valueOf(lambda),
                ProgramMain.learningRateKey("TaskAdapter"), String.valueOf(innerLr),
                ProgramMain.learningRateKey("MetaInitialization"), String.valueOf(metaLr));
        MamlSettings settings = MamlSettings.from(options);
        FewShotTasks pools = FewShotTasks.of(ExperimentData.load(null));
        int steps = MamlSettings.INNER_STEPS;
        int n = seeds.size();
        // split (0 unseen classes, 1 seen classes / held-out images), method, seed, accuracy after k steps
        double[][][][] curves = new double[2][3][n][];
        double[] seconds = new double[n];
        List<double[]> metaCurves = new ArrayList<>();
        long startAll = System.nanoTime();
        for (int s = 0; s < n; s++) {
            long seed = seeds.get(s);
            long start = System.nanoTime();
            log.printf(Locale.ROOT, "seed %d: meta-training on %d tasks (%d global steps)%n", seed, tasks, tasks * steps);
            try (NDManager manager = NDManager.newBaseManager()) {
                FewShotMlp[] initial = new FewShotMlp[1];
                FewShotMlp[] learned = new FewShotMlp[1];
                List<Double> queryLoss = new ArrayList<>();
                EngineConfig config = EngineConfig.builder().optIterations(tasks * steps).optSeed(seed)
                        .optOptions(options).build();
                try (Engine engine = MetaInitializationEngine.create(config)) {
                    engine.addListener(new EngineListener() {
                        @Override
                        public void onRunStart(Engine e) {
                            initial[0] = meta(e).network().copy(manager);
                        }

                        @Override
                        public void onProblemStep(ProblemNode problem, int local, int global, double loss, Cost cost) {
                            if (problem.name().equals("MetaInitialization")) {
                                queryLoss.add(loss);
                                if (local % 200 == 0) {
                                    log.printf(Locale.ROOT, "  task %d: query loss (mean of last 200) %.4f%n", local,
                                            queryLoss.subList(queryLoss.size() - 200, queryLoss.size()).stream()
                                                    .mapToDouble(d -> d).average().orElseThrow());
                                }
                            }
                        }

                        @Override
                        public void onRunEnd(Engine e) {
                            learned[0] = meta(e).network().copy(manager);
                        }
                    });
                    engine.run();
                }
                metaCurves.add(queryLoss.stream().mapToDouble(d -> d).toArray());
                FewShotMlp pretrained = Adaptation.pretrain(initial[0], pools, FewShotTasks.TRAIN_CLASSES, settings,
                        tasks, MamlSettings.WAYS * (shots + settings.queries()), new Random(seed * 31 + 7), manager);
                FewShotMlp[] inits = {initial[0], pretrained, learned[0]};
                for (int split = 0; split < 2; split++) {
                    Random taskRandom = new Random(seed * 1_000_003L + 11 + split);
                    for (int m = 0; m < 3; m++) {
                        curves[split][m][s] = new double[steps + 1];
                    }
                    for (int t = 0; t < testTasks; t++) {
                        FewShotTasks.Task task = split == 0
                                ? pools.sample(taskRandom, FewShotTasks.TEST_CLASSES, MamlSettings.WAYS, shots,
                                        settings.queries())
                                : pools.sample(taskRandom, FewShotTasks.TRAIN_CLASSES, MamlSettings.WAYS, shots,
                                        settings.queries(), true);
                        for (int m = 0; m < 3; m++) {
                            double[] acc = Adaptation.adapt(inits[m], task, settings, steps, manager);
                            for (int k = 0; k <= steps; k++) {
                                curves[split][m][s][k] += acc[k] / testTasks;
                            }
                        }
                    }
                }
            }
            seconds[s] = (System.nanoTime() - start) / 1e9;
            for (int split = 0; split < 2; split++) {
                log.printf(Locale.ROOT, "seed %d: query accuracy after %d steps, %s: scratch %.2f%%, pretrained "
                        + "%.2f%%, MAML %.2f%%%n", seed, steps, SPLITS[split], 100 * curves[split][0][s][steps],
                        100 * curves[split][1][s][steps], 100 * curves[split][2][s][steps]);
            }
            log.printf(Locale.ROOT, "seed %d: %.0f s%n", seed, seconds[s]);
        }
        double totalSeconds = (System.nanoTime() - startAll) / 1e9;
        writeResults(settings, curves, seconds, metaCurves, totalSeconds);
        return 0;
    }

    private static MetaInitialization meta(Engine e) {
        return (MetaInitialization) e.program().problem("MetaInitialization").trainable();
    }

    private static final String[] SPLITS = {"unseen classes", "seen classes, held-out images"};

    private static final String[] METHODS = {"scratch (same init, no meta-training)", "pretrain (head reset) + finetune",
        "MAML (MLO, ITD_RMAD)"};

    private void writeResults(MamlSettings settings, double[][][][] curves, double[] seconds, List<double[]> metaCurves,
            double totalSeconds) throws IOException {
        int steps = MamlSettings.INNER_STEPS;
        int n = seeds.size();
        StringBuilder md = new StringBuilder();
        md.append("# Program 6: MAML few-shot — results\n\n");
        md.append(String.format(Locale.ROOT, "%d-way %d-shot, %d query images per class; meta-training classes %s, "
                        + "unseen classes %s; %d meta-training tasks per seed (meta-batch %d); %d evaluation tasks per "
                        + "seed and task set, the same tasks for every initialization; adaptation: %d SGD steps, lr %s, "
                        + "λ %s; MLP 784-%d-%d. Seeds %s.%n%n",
                MamlSettings.WAYS, settings.shots(), settings.queries(), java.util.Arrays.toString(FewShotTasks.TRAIN_CLASSES),
                java.util.Arrays.toString(FewShotTasks.TEST_CLASSES), tasks, MamlSettings.META_BATCH, testTasks, steps,
                settings.innerLr(), settings.lambda(), settings.hidden(), MamlSettings.WAYS, seeds));
        md.append("Query accuracy (%) after adaptation, mean ± std over seeds (per-seed values in seed order):\n\n");
        md.append("| initialization | unseen classes | per seed | seen classes, held-out images | per seed |\n");
        md.append("|---|---|---|---|---|\n");
        double[][][] finalAcc = new double[2][3][n];
        for (int split = 0; split < 2; split++) {
            for (int m = 0; m < 3; m++) {
                for (int s = 0; s < n; s++) {
                    finalAcc[split][m][s] = 100 * curves[split][m][s][steps];
                }
            }
        }
        for (int m = 0; m < 3; m++) {
            md.append("| ").append(METHODS[m]);
            for (int split = 0; split < 2; split++) {
                md.append(" | ").append(SeedStats.meanStd(finalAcc[split][m], 2)).append(" | ")
                        .append(SeedStats.perSeed(finalAcc[split][m], 2));
            }
            md.append(" |\n");
        }
        md.append('\n');
        for (int split = 0; split < 2; split++) {
            int wins = 0;
            int winsPre = 0;
            for (int s = 0; s < n; s++) {
                wins += finalAcc[split][2][s] > finalAcc[split][0][s] ? 1 : 0;
                winsPre += finalAcc[split][2][s] > finalAcc[split][1][s] ? 1 : 0;
            }
            md.append(String.format(Locale.ROOT, "%s: MAML is above scratch on %d of %d seeds and above pretrain (head "
                    + "reset) + finetune on %d of %d seeds.%n", SPLITS[split], wins, n, winsPre, n));
        }
        md.append(String.format(Locale.ROOT, "%nWall time per seed (meta-training, pretraining and evaluation): %s s; "
                + "whole run %.0f s. Machine: %s.%n",
                SeedStats.perSeed(seconds, 0), totalSeconds, Machine.describe()));
        Files.createDirectories(out);
        Files.writeString(out.resolve("results.md"), md.toString());

        double[] x = new double[steps + 1];
        for (int k = 0; k <= steps; k++) {
            x[k] = k;
        }
        for (int split = 0; split < 2; split++) {
            LinePlot adaptation = new LinePlot("Query accuracy vs adaptation steps: " + SPLITS[split],
                    "SGD adaptation steps", "query accuracy (%), mean ± std over seeds");
            for (int m = 0; m < 3; m++) {
                double[] mean = new double[steps + 1];
                double[] std = new double[steps + 1];
                for (int k = 0; k <= steps; k++) {
                    double[] v = new double[n];
                    for (int s = 0; s < n; s++) {
                        v[s] = 100 * curves[split][m][s][k];
                    }
                    mean[k] = SeedStats.mean(v);
                    std[k] = SeedStats.std(v);
                }
                adaptation.add(METHODS[m], x, mean, std);
            }
            adaptation.save(out.resolve(split == 0 ? "adaptation-unseen-classes.png" : "adaptation-seen-classes.png"));
        }
        LinePlot meta = new LinePlot("Meta-training: query loss after adaptation (moving average of 50 tasks)",
                "meta-training task", "query cross-entropy");
        for (int s = 0; s < n; s++) {
            meta.addMovingAverage("seed " + seeds.get(s), metaCurves.get(s), 50);
        }
        meta.save(out.resolve("meta-training.png"));
        log.println();
        log.print(md);
        log.println("wrote " + out.resolve("results.md") + " and the PNGs beside it");
    }
}
