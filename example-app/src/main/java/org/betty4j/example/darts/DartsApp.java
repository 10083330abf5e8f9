package org.betty4j.example.darts;

import ai.djl.ndarray.NDArray;
import org.betty4j.example.cli.StudyCommandLine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import org.betty4j.example.maml.FewShotMlp;
import org.betty4j.example.model.ExperimentData;
import org.betty4j.example.model.ImageClassifier;
import org.betty4j.example.report.LinePlot;
import org.betty4j.example.report.Machine;
import org.betty4j.example.report.SeedStats;
import org.betty4j.runtime.autograd.Autograd;
import org.betty4j.runtime.autograd.ClosedArrayBuffers;
import org.betty4j.runtime.autograd.GradMode;
import org.betty4j.runtime.data.ImageSet;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.EngineListener;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.Cost;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Program 5, a small DARTS search: for each seed it searches the cell's architecture with the
 * generated two-level program, derives one operation per edge, and retrains three
 * architectures from the same initialization on the same batches: the derived one, a fixed
 * one (every edge linear+relu), and a random one (every edge a uniformly drawn non-zero
 * operation). Reports their test accuracy.
 */
@Command(name = "darts", mixinStandardHelpOptions = true, sortOptions = false,
        description = "DARTS cell search on a Fashion-MNIST subset vs a fixed and a random architecture.")
public final class DartsApp implements Callable<Integer> {

    @Option(names = "--seeds", split = ",", paramLabel = "S", description = "Seeds (default: 1,2,3,4,5).")
    List<Long> seeds = new ArrayList<>(List.of(1L, 2L, 3L, 4L, 5L));

    @Option(names = "--search-steps", paramLabel = "N", description = "Global steps of the search (default: ${DEFAULT-VALUE}).")
    int searchSteps = 400;

    @Option(names = "--warmup", paramLabel = "N",
            description = "Weight steps before the architecture starts learning (default: ${DEFAULT-VALUE}).")
    int warmup = 100;

    @Option(names = "--retrain-steps", paramLabel = "N", description = "SGD steps of each retraining (default: ${DEFAULT-VALUE}).")
    int retrainSteps = 300;

    @Option(names = "--out", paramLabel = "DIR", description = "Where results.md and the PNGs go (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("results", "darts");

    @Option(names = "--quick", description = "A seconds-long smoke run: 1 seed, 10 search and 10 retraining steps.")
    boolean quick;

    private final PrintWriter log;

    public DartsApp(PrintWriter log) {
        this.log = log;
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true)));
    }

    public static int run(String[] args, PrintWriter log) {
        return StudyCommandLine.execute(new DartsApp(log), args, log, new PrintWriter(System.err, true));
    }

    private static final String[] ARCHS = {"derived by the search (MLO)", "fixed: every edge linear+relu",
        "random: uniform non-zero op per edge"};

    @Override
    public Integer call() throws IOException {
        StudyCommandLine.requireWritableDirectory("--out", out);
        if (quick) {
            seeds = List.of(1L);
            searchSteps = 10;
            warmup = 5;
            retrainSteps = 10;
        }
        DartsSettings settings = DartsSettings.from(Map.of());
        SearchData data = SearchData.of(ExperimentData.load(null));
        int n = seeds.size();
        double[][] accuracy = new double[3][n];
        String[][] described = new String[3][n];
        double[][][] alphaSoftmax = new double[n][][];
        double[] searchSeconds = new double[n];
        double[] retrainSeconds = new double[n];
        List<double[]> validationCurves = new ArrayList<>();
        long startAll = System.nanoTime();
        for (int s = 0; s < n; s++) {
            long seed = seeds.get(s);
            long start = System.nanoTime();
            CellNetwork.Op[][] archs = new CellNetwork.Op[3][];
            List<Double> valLoss = new ArrayList<>();
            Program program = ArchitectureEngine.program();
            program = program.toBuilder()
                    .replace(program.problem("NetworkWeights").toBuilder().optWarmupSteps(warmup).build()).build();
            try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(searchSteps).optSeed(seed)
                    .build())) {
                engine.addListener(new EngineListener() {
                    @Override
                    public void onProblemStep(ProblemNode problem, int local, int global, double loss, Cost cost) {
                        if (problem.name().equals("Architecture")) {
                            valLoss.add(loss);
                        }
                    }

                    @Override
                    public void onRunEnd(Engine e) {
                        Architecture a = (Architecture) e.program().problem("Architecture").trainable();
                        archs[0] = a.derive();
                        try (NDArray p = a.alpha().softmax(1)) {
                            float[] v = p.toFloatArray();
                            double[][] rows = new double[CellNetwork.EDGES][CellNetwork.Op.COUNT];
                            for (int i = 0; i < v.length; i++) {
                                rows[i / CellNetwork.Op.COUNT][i % CellNetwork.Op.COUNT] = v[i];
                            }
                            alphaSoftmax[validationCurves.size()] = rows;
                        }
                    }
                });
                engine.run();
            }
            validationCurves.add(valLoss.stream().mapToDouble(d -> d).toArray());
            searchSeconds[s] = (System.nanoTime() - start) / 1e9;
            archs[1] = new CellNetwork.Op[CellNetwork.EDGES];
            java.util.Arrays.fill(archs[1], CellNetwork.Op.LINEAR_RELU);
            Random random = new Random(seed * 7919 + 3);
            archs[2] = new CellNetwork.Op[CellNetwork.EDGES];
            for (int e = 0; e < CellNetwork.EDGES; e++) {
                archs[2][e] = CellNetwork.Op.values()[1 + random.nextInt(CellNetwork.Op.COUNT - 1)];
            }
            long retrainStart = System.nanoTime();
            for (int a = 0; a < 3; a++) {
                accuracy[a][s] = 100 * retrain(archs[a], data, settings, seed);
                described[a][s] = CellNetwork.describe(archs[a]);
                log.printf(Locale.ROOT, "seed %d %-38s test %.2f%%  [%s]%n", seed, ARCHS[a] + ":", accuracy[a][s],
                        described[a][s]);
            }
            retrainSeconds[s] = (System.nanoTime() - retrainStart) / 1e9;
        }
        writeResults(accuracy, described, alphaSoftmax, validationCurves, searchSeconds, retrainSeconds,
                (System.nanoTime() - startAll) / 1e9);
        return 0;
    }

    /**
     * Trains a fresh network (initialized from {@code seed}) of architecture {@code ops} on the
     * training images, SGD as in the search, batches in an order drawn from {@code seed}; returns
     * its test accuracy. Every architecture of a seed gets the same initialization and batches.
     */
    double retrain(CellNetwork.Op[] ops, SearchData data, DartsSettings settings, long seed) {
        try (NDManager manager = NDManager.newBaseManager()) {
            CellNetwork net = CellNetwork.create(manager, data.train().pixelsPerImage(), settings.width(),
                    ImageClassifier.CLASSES, new Random(seed), ai.djl.ndarray.types.DataType.FLOAT32);
            Sgd sgd = Sgd.builder().setLearningRate(settings.weightsLr()).optMomentum(0.9f).optWeightDecay(3e-4f).build();
            NDArray images = data.train().images(manager);
            NDArray labels = data.train().labels(manager);
            Random order = new Random(seed * 31 + 1);
            int count = data.train().count();
            int[] perm = new int[count];
            for (int i = 0; i < count; i++) {
                perm[i] = i;
            }
            int position = count;
            for (int step = 0; step < retrainSteps; step++) {
                if (position + DartsSettings.BATCH > count) {
                    for (int i = count - 1; i > 0; i--) {
                        int j = order.nextInt(i + 1);
                        int t = perm[i];
                        perm[i] = perm[j];
                        perm[j] = t;
                    }
                    position = 0;
                }
                long[] idx = new long[DartsSettings.BATCH];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = perm[position + i];
                }
                position += DartsSettings.BATCH;
                try (NDManager m = ClosedArrayBuffers.retaining(manager.newSubManager())) {
                    NDArray index = m.create(idx);
                    NDArray x = images.get(index);
                    NDArray y = labels.get(index);
                    x.attach(m);
                    y.attach(m);
                    for (NDArray p : net.arrays()) {
                        p.tempAttach(m);
                    }
                    NDList grads;
                    try (GradientCollector recording = m.getEngine().newGradientCollector()) {
                        NDArray loss = ImageClassifier.perSampleCrossEntropy(net.discreteLogits(x, ops), y).mean();
                        grads = Autograd.get().grad(loss, net.arrays(), false);
                    }
                    try (GradMode off = GradMode.disabled()) {
                        sgd.step(net.arrays(), grads, manager);
                    }
                }
            }
            return accuracy(net, ops, data.test(), manager);
        }
    }

    private static double accuracy(CellNetwork net, CellNetwork.Op[] ops, ImageSet set, NDManager parent) {
        try (NDManager m = ClosedArrayBuffers.retaining(parent.newSubManager()); GradMode off = GradMode.disabled()) {
            for (NDArray p : net.arrays()) {
                p.tempAttach(m);
            }
            return FewShotMlp.accuracy(net.discreteLogits(set.images(m), ops), set.labels(m));
        }
    }

    private void writeResults(double[][] accuracy, String[][] described, double[][][] alphaSoftmax,
            List<double[]> validationCurves, double[] searchSeconds, double[] retrainSeconds, double totalSeconds)
            throws IOException {
        int n = seeds.size();
        StringBuilder md = new StringBuilder("# Program 5: differentiable architecture search (small) — results\n\n");
        md.append(String.format(Locale.ROOT, "Cell: %d intermediate nodes, %d edges, operations %s; stem and node width "
                        + "%d. Data: %d training, %d validation, %d test images (balanced). Search: %d global steps "
                        + "(one weight step each, and one architecture step (AID-FD) each after a warm-up of %d weight steps). Retraining: %d SGD steps from the "
                        + "same initialization and batch order for every architecture of a seed. Seeds %s.%n%n",
                CellNetwork.NODES, CellNetwork.EDGES, java.util.Arrays.toString(CellNetwork.Op.values()).toLowerCase(Locale.ROOT),
                DartsSettings.from(Map.of()).width(), SearchData.TRAIN_PER_CLASS * 10, SearchData.VALIDATION_PER_CLASS * 10,
                SearchData.TEST_PER_CLASS * 10, searchSteps, warmup, retrainSteps, seeds));
        md.append("| architecture | test accuracy after retraining (%) | per seed |\n|---|---|---|\n");
        for (int a = 0; a < 3; a++) {
            md.append("| ").append(ARCHS[a]).append(" | ").append(SeedStats.meanStd(accuracy[a], 2)).append(" | ")
                    .append(SeedStats.perSeed(accuracy[a], 2)).append(" |\n");
        }
        md.append('\n');
        for (int b = 1; b < 3; b++) {
            int wins = 0;
            for (int s = 0; s < n; s++) {
                wins += accuracy[0][s] > accuracy[b][s] ? 1 : 0;
            }
            md.append(String.format(Locale.ROOT, "The derived architecture is above the %s one on %d of %d seeds.%n",
                    b == 1 ? "fixed" : "random", wins, n));
        }
        md.append("\nArchitectures per seed:\n\n| seed | derived | random |\n|---|---|---|\n");
        for (int s = 0; s < n; s++) {
            md.append("| ").append(seeds.get(s)).append(" | ").append(described[0][s]).append(" | ")
                    .append(described[2][s]).append(" |\n");
        }
        md.append("\nsoftmax(α) at the end of the search, mean over seeds (rows: edges; columns: operations):\n\n| edge |");
        for (CellNetwork.Op op : CellNetwork.Op.values()) {
            md.append(' ').append(op.name().toLowerCase(Locale.ROOT)).append(" |");
        }
        md.append("\n|---|---|---|---|---|\n");
        String[] edges = {"(0,1)", "(0,2)", "(1,2)", "(0,3)", "(1,3)", "(2,3)"};
        for (int e = 0; e < CellNetwork.EDGES; e++) {
            md.append("| ").append(edges[e]).append(" |");
            for (int o = 0; o < CellNetwork.Op.COUNT; o++) {
                double sum = 0;
                for (int s = 0; s < n; s++) {
                    sum += alphaSoftmax[s][e][o];
                }
                md.append(String.format(Locale.ROOT, " %.3f |", sum / n));
            }
            md.append('\n');
        }
        md.append(String.format(Locale.ROOT, "%nWall time per seed: search %s s, retraining of the three architectures "
                + "%s s; whole run %.0f s. Machine: %s.%n",
                SeedStats.perSeed(searchSeconds, 0), SeedStats.perSeed(retrainSeconds, 0), totalSeconds,
                Machine.describe()));
        Files.createDirectories(out);
        Files.writeString(out.resolve("results.md"), md.toString());
        LinePlot plot = new LinePlot("Search: architecture's validation loss (moving average of 20 steps)", "search step",
                "validation cross-entropy");
        for (int s = 0; s < n; s++) {
            plot.addMovingAverage("seed " + seeds.get(s), validationCurves.get(s), 20);
        }
        plot.save(out.resolve("search-validation-loss.png"));
        log.println();
        log.print(md);
        log.println("wrote " + out.resolve("results.md") + " and search-validation-loss.png");
    }
}
