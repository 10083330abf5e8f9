package org.betty4j.example;

import java.io.PrintWriter;
import org.betty4j.example.cli.StudyCommandLine;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.betty4j.example.baseline.BaselineClassifier;
import org.betty4j.example.baseline.BaselineClassifierEngine;
import org.betty4j.example.data.FashionMnistSplits;
import org.betty4j.example.frozen.OnnxCheck;
import org.betty4j.example.model.ExperimentData;
import org.betty4j.example.model.ImageClassifier;
import org.betty4j.example.model.ImageClassifier.Evaluation;
import org.betty4j.example.reweighting.Classifier;
import org.betty4j.example.reweighting.MetaWeightNet;
import org.betty4j.example.reweighting.MetaWeightNetEngine;
import org.betty4j.runtime.cli.ProgramMain;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.EngineListener;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.hypergrad.HypergradConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The main job: data reweighting for class imbalance on long-tailed Fashion-MNIST. For each
 * seed it trains the plain classifier (baseline) and the Meta-Weight-Net bilevel program with
 * the same initialization and batch order, then prints test accuracy overall, balanced and per
 * class.
 */
@Command(name = "reweighting", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Baseline vs Meta-Weight-Net on long-tailed Fashion-MNIST (imbalance factor 100).")
public final class ReweightingApp implements Callable<Integer> {

    private static final String[] CLASS_NAMES = {
        "T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot"
    };

    @Option(names = "--steps", paramLabel = "N", description = "Global steps per run (default: ${DEFAULT-VALUE}).")
    int steps = 400;

    @Option(names = "--seeds", split = ",", paramLabel = "S", description = "Seeds to run (default: 1,2,3,4,5).")
    List<Long> seeds = new ArrayList<>(List.of(1L, 2L, 3L, 4L, 5L));

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Directory with the four full Fashion-MNIST IDX files (default: the embedded subset).")
    String dataDir;

    @Option(names = "--meta-lr", description = "Meta-Weight-Net learning rate, Adam (default: ${DEFAULT-VALUE}).")
    float metaLr = 1e-3f;

    @Option(names = "--log-every", paramLabel = "N", description = "Log each problem's loss every N of its steps (default: 0, never).")
    int logEvery;

    @Option(names = "--warmup", paramLabel = "N",
            description = "Classifier steps before the Meta-Weight-Net starts learning (default: ${DEFAULT-VALUE}).")
    int warmup = 0;

    @Option(names = "--clip", paramLabel = "NORM", description = "Clip the classifier's gradient norm (default: 0, off).")
    double clip = 0;

    @Option(names = "--method", description = "Best-response Jacobian method through the classifier: ${COMPLETION-CANDIDATES} (default: AID_FD, as annotated).")
    org.betty4j.annotations.HypergradMethod method;

    @Option(names = "--lr", description = "Classifier base learning rate, SGD (default: ${DEFAULT-VALUE}).")
    float lr = 0.1f;

    @Option(names = "--precision", description = "Parameters and data in FLOAT32 (default) or FLOAT16 (BFLOAT16 is"
            + " refused by DJL's PyTorch engine: use --mixed-precision BFLOAT16).")
    ai.djl.ndarray.types.DataType precision = ai.djl.ndarray.types.DataType.FLOAT32;

    @Option(names = "--mixed-precision", paramLabel = "TYPE",
            description = "Mixed precision: FLOAT32 parameters, linear layers computed in BFLOAT16 or FLOAT16 (FLOAT16"
                    + " with dynamic loss scaling); default: none.")
    ai.djl.ndarray.types.DataType mixedPrecision;

    @Option(names = "--only", description = "Run only one program: baseline or mwn (default: both).")
    String only;

    @Spec
    CommandSpec spec;

    private final PrintWriter out;

    public ReweightingApp() {
        this(new PrintWriter(System.out, true));
    }

    ReweightingApp(PrintWriter out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", "true");
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * Runs the job; returns the exit code: 0 success, 1 the run failed, 2 bad options (one line
     * naming the option and the value, before any training).
     */
    static int run(String[] args, PrintWriter out, PrintWriter err) {
        return StudyCommandLine.execute(new ReweightingApp(out), args, out, err);
    }

    /** Every option's value, checked before any data is read or any training is done. */
    private void checkOptions() {
        List<String> problems = new ArrayList<>();
        if (steps < 1) {
            problems.add("--steps " + steps + ": must be 1 or more");
        }
        if (seeds.isEmpty()) {
            problems.add("--seeds: give at least one seed");
        } else if (new java.util.HashSet<>(seeds).size() != seeds.size()) {
            problems.add("--seeds " + seeds + ": a seed is repeated");
        }
        if (!(metaLr > 0) || Float.isInfinite(metaLr)) {
            problems.add("--meta-lr " + metaLr + ": the learning rate must be positive and finite");
        }
        if (!(lr > 0) || Float.isInfinite(lr)) {
            problems.add("--lr " + lr + ": the learning rate must be positive and finite");
        }
        if (logEvery < 0) {
            problems.add("--log-every " + logEvery + ": must be 0 (never) or more");
        }
        if (warmup < 0) {
            problems.add("--warmup " + warmup + ": must be 0 or more");
        }
        if (!(clip >= 0) || Double.isInfinite(clip)) {
            problems.add("--clip " + clip + ": must be finite and 0 (off) or more");
        }
        if (only != null && !only.equals("baseline") && !only.equals("mwn")) {
            problems.add("--only " + only + ": must be baseline or mwn");
        }
        if (precision != ai.djl.ndarray.types.DataType.FLOAT32 && precision != ai.djl.ndarray.types.DataType.FLOAT16) {
            problems.add("--precision " + precision.name() + ": must be FLOAT32 or FLOAT16");
        }
        if (dataDir != null && !java.nio.file.Files.isDirectory(java.nio.file.Path.of(dataDir))) {
            problems.add("--data-dir " + dataDir + ": no such directory");
        }
        if (!problems.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), String.join("; ", problems));
        }
    }

    @Override
    public Integer call() {
        checkOptions();
        FashionMnistSplits splits = ExperimentData.load(dataDir);
        out.printf(Locale.ROOT, "long-tailed Fashion-MNIST (%s): train %d %s, meta %d, test %d%n",
                dataDir == null ? "embedded subset" : dataDir, splits.train().count(),
                java.util.Arrays.toString(splits.train().classCounts(10)), splits.meta().count(), splits.test().count());
        List<Row> rows = new ArrayList<>();
        long start = System.nanoTime();
        for (long seed : seeds) {
            if (only == null || only.equals("baseline")) {
                rows.add(run("baseline", seed, withClassifierSettings(BaselineClassifierEngine.program(), 0), splits,
                        e -> ((BaselineClassifier) e.program().problem("Classifier").trainable()).model()));
            }
            if (only == null || only.equals("mwn")) {
                rows.add(run("MWN", seed, withClassifierSettings(MetaWeightNetEngine.program(), warmup), splits, e -> {
                    printWeightFunction((MetaWeightNet) e.program().problem("MetaWeightNet").trainable());
                    return ((Classifier) e.program().problem("Classifier").trainable()).model();
                }));
            }
        }
        printTable(rows);
        out.printf(Locale.ROOT, "wall time %.1f s, peak resident memory %d MiB%n", (System.nanoTime() - start) / 1e9,
                peakResidentMiB());
        return 0;
    }

    private Row run(String label, long seed, Program program, FashionMnistSplits splits,
            java.util.function.Function<Engine, ImageClassifier> model) {
        out.printf(Locale.ROOT, "%n== %s, seed %d: %d steps ==%n", label, seed, steps);
        EngineConfig.Builder config = EngineConfig.builder()
                .optIterations(steps)
                .optSeed(seed)
                // a bar where someone watches a terminal; piped or under Maven, the result lines suffice
                .optProgressBar(logEvery == 0 && System.console() != null)
                .optLogEvery(logEvery)
                .optDataType(precision)
                .optMixedPrecision(mixedPrecision == null ? ai.djl.ndarray.types.DataType.FLOAT32 : mixedPrecision)
                .optOption(MetaWeightNet.META_LR_OPTION, Float.toString(metaLr))
                .optOption(ProgramMain.learningRateKey("Classifier"), Float.toString(lr));
        if (dataDir != null) {
            config.optOption(ExperimentData.DATA_DIR_OPTION, dataDir);
        }
        Evaluation[] result = new Evaluation[1];
        OnnxCheck[] onnx = new OnnxCheck[1];
        long t0 = System.nanoTime();
        try (Engine engine = new Engine(program, config.build())) {
            engine.addListener(new EngineListener() {
                @Override
                public void onRunEnd(Engine e) {
                    try (var m = ai.djl.ndarray.NDManager.newBaseManager()) {
                        ImageClassifier trained = model.apply(e);
                        result[0] = trained.evaluate(splits.test(), m);
                        // the same test set through the exported network in ONNX Runtime (float32 export)
                        if (precision == ai.djl.ndarray.types.DataType.FLOAT32 && mixedPrecision == null) {
                            onnx[0] = OnnxCheck.of(trained, splits.test(), m);
                        }
                    }
                }
            });
            engine.run();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "%s seed %d: test accuracy %.2f%% (balanced %.2f%%) in %.1f s%n", label, seed,
                100 * result[0].overall(), 100 * result[0].balanced(), seconds);
        if (onnx[0] != null) {
            out.printf(Locale.ROOT, "%s seed %d: test accuracy DJL %.2f%%, ONNX Runtime (%s) %.2f%%, max |logit diff| %.1e%s%n",
                    label, seed, 100 * onnx[0].djl().overall(), onnx[0].provider(), 100 * onnx[0].onnx().overall(),
                    onnx[0].maxLogitDifference(), onnx[0].agrees() ? "" : "  (DJL and ONNX Runtime DISAGREE)");
        }
        return new Row(label, seed, result[0], seconds);
    }

    /** The program with the classifier's warm-up and clipping set from the options. */
    private Program withClassifierSettings(Program program, int warmupSteps) {
        ProblemNode.Builder classifier = program.problem("Classifier").toBuilder()
                .optWarmupSteps(warmupSteps)
                .optClipGradNorm(clip);
        if (method != null) {
            classifier.optHypergrad(HypergradConfig.defaults(method));
        }
        return program.toBuilder().replace(classifier.build()).build();
    }

    /** What the weighting net learned: the weight it gives to a sample of each loss. */
    private void printWeightFunction(MetaWeightNet mwn) {
        float[] losses = {0.01f, 0.1f, 0.3f, 1f, 2f, 4f};
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            float[] w = mwn.weights(m.create(losses)).toFloatArray();
            StringBuilder s = new StringBuilder("learned weight w(loss):");
            for (int i = 0; i < losses.length; i++) {
                s.append(String.format(Locale.ROOT, "  w(%.2f)=%.3f", losses[i], w[i]));
            }
            out.println(s);
        }
    }

    private void printTable(List<Row> rows) {
        out.println();
        out.println("Test accuracy (%) on the " + rows.get(0).eval.total()[0] * 10 + "-image test set");
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-9s %5s %8s %8s", "program", "seed", "overall", "time s"));
        for (String c : CLASS_NAMES) {
            header.append(String.format(Locale.ROOT, " %8s", c));
        }
        out.println(header);
        for (Row r : rows) {
            out.println(line(r.label, String.valueOf(r.seed), r.eval, r.seconds));
        }
        for (String label : List.of("baseline", "MWN")) {
            List<Row> of = rows.stream().filter(r -> r.label.equals(label)).toList();
            if (of.size() > 1) {
                int[] correct = new int[10];
                int[] total = new int[10];
                double secs = 0;
                for (Row r : of) {
                    for (int i = 0; i < 10; i++) {
                        correct[i] += r.eval.correct()[i];
                        total[i] += r.eval.total()[i];
                    }
                    secs += r.seconds;
                }
                out.println(line(label, "mean", new Evaluation(correct, total), secs / of.size()));
            }
        }
    }

    private static String line(String label, String seed, Evaluation e, double seconds) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-9s %5s %8.2f %8.1f", label, seed,
                100 * e.overall(), seconds));
        for (int i = 0; i < 10; i++) {
            s.append(String.format(Locale.ROOT, " %8.1f", 100 * e.ofClass(i)));
        }
        return s.toString();
    }

    /** VmHWM of this process (Linux), or -1 where /proc is not available. */
    private static long peakResidentMiB() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (java.io.IOException e) {
            return -1;
        }
        return -1;
    }

    private record Row(String label, long seed, Evaluation eval, double seconds) {}
}
