package org.betty4j.runtime.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.engine.EarlyStopping;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.metrics.LossPlots;
import org.betty4j.runtime.metrics.MetricsFile;
import org.betty4j.runtime.metrics.MlflowListener;
import org.betty4j.runtime.metrics.RunReport;
import org.betty4j.runtime.onnx.OnnxExportListener;
import org.betty4j.runtime.onnx.OnnxExportable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options of a generated {@code main} and what they do. */
@Command(mixinStandardHelpOptions = true, sortOptions = false, version = "Betty for Java 0.1.0",
        description = "Runs a Betty for Java multilevel program: every global step steps each leaf problem;"
                + " a problem signals its uppers after its unroll steps.")
final class RunCommand implements Callable<Integer> {

    /** Devices a run may ask for. */
    enum Device { cpu, gpu }

    /** How a run shows its progress. */
    enum Progress { auto, bar, lines }

    /** Compute types of {@code --mixed-precision}. */
    enum ComputeType {
        bf16(ai.djl.ndarray.types.DataType.BFLOAT16), fp16(ai.djl.ndarray.types.DataType.FLOAT16);

        final ai.djl.ndarray.types.DataType dataType;

        ComputeType(ai.djl.ndarray.types.DataType dataType) {
            this.dataType = dataType;
        }
    }

    /** How {@code --graph} prints. */
    enum GraphFormat { text, dot }

    private final Supplier<Program> programFactory;
    private final PrintWriter out;

    // --- how long, where and how loudly a run goes ---

    @Option(names = "--iterations", paramLabel = "N",
            description = "Steps of the outer problem(s), the top of the program (default: ${DEFAULT-VALUE})."
                    + " The run takes as many global steps (one step of every leaf problem) as that needs:"
                    + " with warm-up W and unroll U below a bilevel top, W + N*U; the first log line says how many.")
    int iterations = 1000;

    @Option(names = "--global-steps", paramLabel = "N",
            description = "Run exactly N global steps instead (one step of every leaf problem each, the unit of"
                    + " --checkpoint-every, --validate-every and Betty's train_iters); not with --iterations.")
    Integer globalStepsOption;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--validate-every", paramLabel = "N",
            description = "Validate problems that implement Validating every N global steps and at the end"
                    + " (default: ${DEFAULT-VALUE}: never).")
    int validateEvery = 0;

    @Option(names = "--seed", paramLabel = "N", description = "Run seed (default: ${DEFAULT-VALUE}).")
    long seed = 42;

    @Option(names = "--device", paramLabel = "DEVICE",
            description = "cpu or gpu: where training runs (default: ${DEFAULT-VALUE}); gpu needs a CUDA build of"
                    + " PyTorch for DJL and a visible NVIDIA GPU, else the run stops naming what is missing.")
    Device device = Device.cpu;

    @Option(names = "--progress", paramLabel = "MODE",
            description = "auto: a progress bar on a terminal, log lines otherwise; bar; lines: a progress line every"
                    + " --log-every global steps (default: ${DEFAULT-VALUE}).")
    Progress progress = Progress.auto;

    @Option(names = {"-q", "--quiet"},
            description = "No progress bar, no progress or loss lines, no summary: warnings and errors only.")
    boolean quiet;

    @Option(names = "--output-dir", paramLabel = "DIR",
            description = "Write graph.txt, graph.dot, losses.csv (and validation.csv) here.")
    Path outputDir;

    @Option(names = "--metrics-file", paramLabel = "FILE",
            description = "Write every problem's loss and metrics per step, and every validation, as JSON lines.")
    Path metricsFile;

    @Option(names = "--plots", paramLabel = "DIR",
            description = "At the end of the run, write DIR/<problem>-loss.png: each problem's loss curve.")
    Path plots;

    @Option(names = "--early-stop", paramLabel = "PROBLEM.METRIC:min|max:PATIENCE",
            description = "Stop the run when a validation metric has not improved for PATIENCE validations in a row"
                    + " (needs --validate-every), e.g. Classifier.accuracy:max:3.")
    String earlyStop;

    @Option(names = "--export-onnx", paramLabel = "DIR",
            description = "At the end of the run, write DIR/<problem>.onnx for every problem that implements"
                    + " org.betty4j.runtime.onnx.OnnxExportable.")
    Path exportOnnx;

    @Option(names = "--mixed-precision", paramLabel = "TYPE",
            description = "Mixed precision: parameters stay FLOAT32, layers computed through MixedPrecision run in bf16"
                    + " or fp16; fp16 with dynamic loss scaling (the step metric loss_scale). Default: off.")
    ComputeType mixedPrecision;

    @Option(names = "--report", arity = "0..1", fallbackValue = "", paramLabel = "FILE",
            description = "At the end of the run, write a self-contained HTML report (settings, graph, loss curves,"
                    + " validations, every step's metrics) to FILE; without FILE, beside the metrics file with the"
                    + " extension .html.")
    String report;

    @Option(names = "--mlflow", paramLabel = "URI",
            description = "Log parameters, every step's metrics and, at the end, the loss plots (and the metrics file)"
                    + " to the MLflow tracking server at URI, e.g. http://127.0.0.1:5000.")
    String mlflow;

    @Option(names = "--mlflow-experiment", paramLabel = "NAME",
            description = "MLflow experiment of the run, created when missing (default: the program's name).")
    String mlflowExperiment;

    @Option(names = "--log-every", paramLabel = "N",
            description = "Log each problem's loss every N of its local steps, and (without a progress bar) the"
                    + " run's progress every N global steps (default: ${DEFAULT-VALUE}; 0: never).")
    int logEvery = 100;

    @Option(names = "--lr", paramLabel = "PROBLEM=RATE",
            description = "Learning rate of a problem's optimizer (the problem reads it in setUp; repeatable).")
    Map<String, Float> learningRate = new LinkedHashMap<>();

    @Option(names = "--unroll", paramLabel = "PROBLEM=N", description = "Unroll steps of a problem (repeatable).")
    Map<String, Integer> unroll = new LinkedHashMap<>();

    @Option(names = "--method", paramLabel = "PROBLEM=METHOD",
            description = "Best-response Jacobian method of a problem on a path: AID_FD, AID_CG, AID_NEUMANN or"
                    + " ITD_RMAD (repeatable).")
    Map<String, HypergradMethod> method = new LinkedHashMap<>();

    @Option(names = "--alpha", paramLabel = "PROBLEM=ALPHA", description = "alpha of a problem's method (repeatable).")
    Map<String, Double> alpha = new LinkedHashMap<>();

    @Option(names = "--iterations-of", paramLabel = "PROBLEM=K",
            description = "Iterations of a problem's method (AID_CG, AID_NEUMANN; repeatable).")
    Map<String, Integer> methodIterations = new LinkedHashMap<>();

    @Option(names = "--warmup", paramLabel = "PROBLEM=N",
            description = "Local steps a problem takes before it first signals its uppers (repeatable).")
    Map<String, Integer> warmup = new LinkedHashMap<>();

    @Option(names = "--grad-accumulation", paramLabel = "PROBLEM=N",
            description = "Local steps whose gradients a problem averages into one update (repeatable).")
    Map<String, Integer> gradientAccumulation = new LinkedHashMap<>();

    @Option(names = "--clip", paramLabel = "PROBLEM=NORM",
            description = "Clip a problem's update gradient to this global L2 norm; 0: off (repeatable).")
    Map<String, Double> clip = new LinkedHashMap<>();

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A program option handed to every problem (repeatable).")
    Map<String, String> options = new LinkedHashMap<>();

    @Option(names = "--graph", arity = "0..1", fallbackValue = "text", paramLabel = "FORMAT",
            description = "Print the dataflow graph (text, or dot for Graphviz) with the overrides applied, then exit.")
    GraphFormat graph;

    /** --checkpoint-dir, --checkpoint-every, --resume, --overwrite and the output checks. */
    @Mixin
    PersistenceOptions persistence = new PersistenceOptions();

    private PrintWriter err = new PrintWriter(System.err, true);

    @Option(names = "--threads", paramLabel = "N",
            description = "libtorch CPU threads (intra-op, inter-op, OpenMP); default: 1 on 2 cores or fewer, else half the cores.")
    Integer threads;
    @Option(names = "--paths", arity = "0..1", fallbackValue = "20", paramLabel = "N",
            description = "With --graph (text): also list each upper problem's first N backpropagation paths"
                    + " (default N: ${FALLBACK-VALUE}); without it only their counts are printed.")
    int paths;

    RunCommand(Supplier<Program> programFactory, PrintWriter out) {
        this.programFactory = programFactory;
        this.out = out;
    }

    /** Where warnings (fallback to an older checkpoint, settings changed on resume) go. */
    RunCommand err(PrintWriter err) {
        this.err = err;
        return this;
    }

    @Override
    public Integer call() {
        checkRunOptions();
        persistence.checkCombinations();
        Program original = programFactory.get();
        ProgramOverrides overrides = new ProgramOverrides();
        overrides.unroll = unroll;
        overrides.method = method;
        overrides.alpha = alpha;
        overrides.iterations = methodIterations;
        overrides.learningRate = learningRate;
        overrides.warmup = warmup;
        overrides.gradientAccumulation = gradientAccumulation;
        overrides.clip = clip;
        Program overridden = overrides.apply(original);
        EngineConfig.Builder config = EngineConfig.builder();
        overrides.hypergrad(overridden).forEach(config::optHypergrad);
        // the program the engine will run, for --graph and the checks below
        Program program = usage(() -> config.build().applyTo(overridden));
        if (paths != 0 && (graph == null || graph == GraphFormat.dot)) {
            throw new UsageException("--paths " + paths + " lists paths in the text of --graph; use it with --graph"
                    + " (text)");
        }
        if (graph != null) {
            if (paths < 0) {
                throw new UsageException("--paths " + paths + ": must be 0 or more");
            }
            out.print(graph == GraphFormat.dot ? ProgramDescription.dot(program) : ProgramDescription.text(program, paths));
            out.flush();
            return ProgramMain.OK;
        }
        config.optValidateEvery(validateEvery);
        if (earlyStop != null) {
            config.optEarlyStopping(usage(() -> EarlyStopping.parse(earlyStop), "--early-stop " + earlyStop + ": "));
        }
        usage(() -> config.build().applyTo(program));
        if (exportOnnx != null && !OnnxExportListener.anyExportable(original)) {
            throw new UsageException("--export-onnx " + exportOnnx + ": no problem of program " + program.name()
                    + " implements " + OnnxExportable.class.getName() + ", so there is nothing to export");
        }
        ai.djl.Device trainOn = DeviceChoice.resolve(device == Device.gpu);
        Map<String, String> programOptions = new LinkedHashMap<>(options);
        programOptions.putAll(overrides.options());
        int globalSteps = globalSteps(program);
        PersistenceOptions.Plan plan = persistence.prepare(program.name(), globalSteps, runLength(globalSteps), outputs(program), err);
        config.optIterations(globalSteps)
                .optSeed(seed)
                .optLogEvery(quiet ? 0 : logEvery)
                .optProgressBar(showsProgressBar())
                .optQuiet(quiet)
                .optDevice(trainOn)
                .optThreads(threads == null ? 0 : threads)
                .optMixedPrecision(mixedPrecision == null ? ai.djl.ndarray.types.DataType.FLOAT32
                        : mixedPrecision.dataType)
                .optOptions(programOptions);
        if (plan.resumeFrom() != null) {
            config.optResumeFrom(plan.resumeFrom().file());
            out.println("resuming from " + plan.resumeFrom().file() + " after global step "
                    + plan.resumeFrom().globalStep());
        }
        Path reportFile = reportFile();
        RunReport runReport = reportFile == null ? null : new RunReport(reportFile);
        try (Engine engine = new Engine(program, config.build());
                MetricsFile metrics = metricsFile == null ? null : plan.resumeFrom() == null
                        ? new MetricsFile(metricsFile) : MetricsFile.resumed(metricsFile, plan.resumedAfter(),
                                RunRecorder.validatedAtCheckpoint(validateEvery, plan.resumedAfter()));
                MlflowListener tracking = mlflowListener(reportFile);
                RunRecorder recorder = new RunRecorder(program, validateEvery, outputDir, plan.resumedAfter(), out)) {
            // first: checks that must pass before anything is written
            engine.addListener(overrides.learningRateCheck());
            engine.addListener(persistence.atRunStart(options, plan, err));
            engine.addListener(recorder);
            if (metrics != null) {
                engine.addListener(metrics);
            }
            if (plots != null) {
                engine.addListener(new LossPlots(plots));
            }
            if (exportOnnx != null) {
                engine.addListener(new OnnxExportListener(exportOnnx, out));
            }
            if (runReport != null) {
                engine.addListener(runReport);
            }
            if (tracking != null) {
                // last: at the end of the run it uploads what the listeners before it have written
                engine.addListener(tracking);
            }
            if (plan.checkpoints() != null) {
                // last: a checkpoint follows the step's lines in the metrics and CSV files
                engine.addListener(plan.checkpoints().writer(plan.every(), globalSteps));
            }
            engine.run();
            engine.stopReason().ifPresent(out::println);
            if (!quiet) {
                out.println(summary(engine));
            }
        }
        return ProgramMain.OK;
    }

    /** Every file or directory the run will write, for the checks before the first step. */
    private List<PersistenceOptions.Output> outputs(Program program) {
        List<PersistenceOptions.Output> outputs = new ArrayList<>();
        if (outputDir != null) {
            outputs.add(PersistenceOptions.Output.directory("--output-dir", outputDir,
                    RunRecorder.outputs(validateEvery), true));
        }
        if (metricsFile != null) {
            outputs.add(PersistenceOptions.Output.file("--metrics-file", metricsFile, true));
        }
        if (plots != null) {
            outputs.add(PersistenceOptions.Output.directory("--plots", plots,
                    program.problems().stream().map(p -> p.name() + "-loss.png").toList(), true));
        }
        if (exportOnnx != null) {
            outputs.add(PersistenceOptions.Output.directory("--export-onnx", exportOnnx, program.problems().stream()
                    .filter(p -> p.trainable() instanceof OnnxExportable).map(p -> p.name() + ".onnx").toList(), true));
        }
        if (report != null) {
            outputs.add(PersistenceOptions.Output.file("--report", reportFile(), true));
        }
        return outputs;
    }

    /** --report: the named file, or the metrics file's name with the extension .html. */
    private Path reportFile() {
        if (report == null) {
            return null;
        }
        if (!report.isEmpty()) {
            return Path.of(report);
        }
        if (metricsFile == null) {
            throw new UsageException("--report without a FILE writes beside the metrics file: add --metrics-file FILE"
                    + " or name the report, --report FILE");
        }
        String name = metricsFile.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String html = (dot > 0 ? name.substring(0, dot) : name) + ".html";
        if (html.equals(name)) {
            throw new UsageException("--report: the metrics file " + metricsFile + " already ends in .html; name the"
                    + " report, --report FILE");
        }
        return metricsFile.resolveSibling(html);
    }

    /** --mlflow: the listener, with the metrics file and the report as artifacts. */
    private MlflowListener mlflowListener(Path reportFile) {
        if (mlflow == null) {
            return null;
        }
        MlflowListener.Builder builder = MlflowListener.builder(mlflow);
        if (mlflowExperiment != null) {
            builder.optExperiment(mlflowExperiment);
        }
        if (metricsFile != null) {
            builder.optArtifact(metricsFile);
        }
        if (reportFile != null) {
            builder.optArtifact(reportFile);
        }
        return builder.build();
    }

    /** The value, or a usage error carrying the message of the setting it refused. */
    private static <T> T usage(Supplier<T> value) {
        return usage(value, "");
    }

    private static <T> T usage(Supplier<T> value, String prefix) {
        try {
            return value.get();
        } catch (IllegalArgumentException e) {
            throw new UsageException(prefix + e.getMessage());
        }
    }

    private void checkRunOptions() {
        if (threads != null && threads < 1) {
            throw new UsageException("--threads " + threads + ": must be 1 or more");
        }
        if (iterations < 0) {
            throw new UsageException("--iterations " + iterations + ": must be 0 or more");
        }
        if (globalStepsOption != null && spec != null && spec.commandLine() != null
                && spec.commandLine().getParseResult().hasMatchedOption("--iterations")) {
            throw new UsageException("--global-steps " + globalStepsOption + " and --iterations " + iterations
                    + " both set the run's length: give one");
        }
        if (globalStepsOption != null && globalStepsOption < 0) {
            throw new UsageException("--global-steps " + globalStepsOption + ": must be 0 or more");
        }
        if (validateEvery < 0) {
            throw new UsageException("--validate-every " + validateEvery + ": must be 0 (never) or more");
        }
        if (mlflowExperiment != null && mlflow == null) {
            throw new UsageException("--mlflow-experiment " + mlflowExperiment + " has no effect without --mlflow URI");
        }
        if (mlflow != null) {
            try {
                MlflowListener.builder(mlflow);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--mlflow " + mlflow + ": " + e.getMessage());
            }
        }
        if (logEvery < 0) {
            throw new UsageException("--log-every " + logEvery + ": must be 0 (never) or more");
        }
    }

    /** --iterations counts outer steps; the engine counts global steps. */
    private int globalSteps(Program program) {
        if (globalStepsOption != null) {
            return globalStepsOption;
        }
        try {
            return org.betty4j.runtime.engine.StepSchedule.globalStepsFor(program, iterations);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--iterations " + iterations + ": " + e.getMessage());
        }
    }

    /** The option that set the run's length, for messages in global steps. */
    private String runLength(int globalSteps) {
        return globalStepsOption != null ? "--global-steps " + globalSteps
                : "--iterations " + iterations + " (" + globalSteps + " global steps)";
    }

    /** A bar where someone watches a terminal (or when asked for), log lines elsewhere. */
    boolean showsProgressBar() {
        return !quiet && (progress == Progress.bar || progress == Progress.auto && System.console() != null);
    }

    /** "Demo: 12 global steps; local steps: Low 12, High 3 (outer: High)". */
    private static String summary(Engine engine) {
        Program program = engine.program();
        StringBuilder counts = new StringBuilder();
        for (ProblemNode p : program.problems()) {
            counts.append(counts.length() == 0 ? "" : ", ").append(p.name()).append(' ')
                    .append(engine.localSteps(p.name()));
        }
        return program.name() + ": " + engine.globalStep() + " global steps; local steps: " + counts + " (outer: "
                + String.join(", ", org.betty4j.runtime.engine.StepSchedule.outerProblems(program)) + ")";
    }
}
