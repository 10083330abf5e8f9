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
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.metrics.EarlyStopping;
import org.betty4j.runtime.metrics.LossPlots;
import org.betty4j.runtime.metrics.MetricsFile;
import org.betty4j.runtime.metrics.ValidationListener;
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

    /** How {@code --graph} prints. */
    enum GraphFormat { text, dot }

    private final Supplier<Program> programFactory;
    private final PrintWriter out;

    @Option(names = "--iterations", paramLabel = "N", description = "Global steps (default: ${DEFAULT-VALUE}).")
    int iterations = 1000;

    @Option(names = "--validate-every", paramLabel = "N",
            description = "Validate problems that implement Validating every N global steps and at the end"
                    + " (default: ${DEFAULT-VALUE}: never).")
    int validateEvery = 0;

    @Option(names = "--seed", paramLabel = "N", description = "Run seed (default: ${DEFAULT-VALUE}).")
    long seed = 42;

    @Option(names = "--device", paramLabel = "DEVICE", description = "cpu or gpu (default: ${DEFAULT-VALUE}).")
    Device device = Device.cpu;

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

    @Option(names = "--log-every", paramLabel = "N",
            description = "Log losses every N local steps (default: ${DEFAULT-VALUE}; 0: never).")
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
        Program program = overrides.apply(original);
        if (graph != null) {
            out.print(graph == GraphFormat.dot ? ProgramDescription.dot(program) : ProgramDescription.text(program));
            out.flush();
            return ProgramMain.OK;
        }
        Map<String, Validating> validating = new LinkedHashMap<>();
        for (ProblemNode p : original.problems()) {
            if (p.trainable() instanceof Validating v) {
                validating.put(p.name(), v);
            }
        }
        if (validateEvery > 0 && validating.isEmpty()) {
            throw new UsageException("--validate-every " + validateEvery + " has no effect: no problem of program "
                    + program.name() + " implements " + Validating.class.getName());
        }
        if (exportOnnx != null && !OnnxExportListener.anyExportable(original)) {
            throw new UsageException("--export-onnx " + exportOnnx + ": no problem of program " + program.name()
                    + " implements " + OnnxExportable.class.getName() + ", so there is nothing to export");
        }
        checkDevice();
        Map<String, String> programOptions = new LinkedHashMap<>(options);
        programOptions.putAll(overrides.options());
        checkEarlyStop(program, validating);
        PersistenceOptions.Plan plan = persistence.prepare(program.name(), iterations, outputs(program), err);
        EngineConfig.Builder config = EngineConfig.builder()
                .optIterations(iterations)
                .optSeed(seed)
                .optLogEvery(logEvery)
                .optProgressBar(true)
                .optOptions(programOptions);
        if (plan.resumeFrom() != null) {
            config.optResumeFrom(plan.resumeFrom().file());
            out.println("resuming from " + plan.resumeFrom().file() + " after global step "
                    + plan.resumeFrom().globalStep());
        }
        try (Engine engine = new Engine(program, config.build());
                MetricsFile metrics = metricsFile == null ? null : plan.resumeFrom() == null
                        ? new MetricsFile(metricsFile) : MetricsFile.resumed(metricsFile, plan.resumedAfter());
                RunRecorder recorder = new RunRecorder(program, validating, validateEvery, outputDir,
                        plan.resumedAfter(), out, validationListeners(engine, metrics))) {
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
            if (plan.checkpoints() != null) {
                // last: a checkpoint follows the step's lines in the metrics and CSV files
                engine.addListener(plan.checkpoints().writer(plan.every(), iterations));
            }
            engine.run();
            engine.stopReason().ifPresent(out::println);
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
        return outputs;
    }

    /** Who hears about validations: the metrics file and early stopping, when asked for. */
    private List<ValidationListener> validationListeners(Engine engine, MetricsFile metrics) {
        List<ValidationListener> listeners = new ArrayList<>();
        if (metrics != null) {
            listeners.add(metrics);
        }
        if (earlyStop != null) {
            listeners.add(EarlyStopping.parse(earlyStop, engine::requestStop));
        }
        return listeners;
    }

    /** --early-stop must parse, name a problem that validates, and come with --validate-every. */
    private void checkEarlyStop(Program program, Map<String, Validating> validating) {
        if (earlyStop == null) {
            return;
        }
        EarlyStopping stopping;
        try {
            stopping = EarlyStopping.parse(earlyStop, reason -> {});
        } catch (IllegalArgumentException e) {
            throw new UsageException("--early-stop " + earlyStop + ": " + e.getMessage());
        }
        if (!validating.containsKey(stopping.problem())) {
            throw new UsageException("--early-stop " + earlyStop + ": program " + program.name() + " has no problem '"
                    + stopping.problem() + "' that implements " + Validating.class.getSimpleName()
                    + (validating.isEmpty() ? " (none does)" : "; these do: " + String.join(", ", validating.keySet())));
        }
        if (validateEvery <= 0) {
            throw new UsageException("--early-stop " + earlyStop + " needs validations: add --validate-every N");
        }
    }

    private void checkRunOptions() {
        if (iterations < 0) {
            throw new UsageException("--iterations " + iterations + ": must be 0 or more");
        }
        if (validateEvery < 0) {
            throw new UsageException("--validate-every " + validateEvery + ": must be 0 (never) or more");
        }
        if (logEvery < 0) {
            throw new UsageException("--log-every " + logEvery + ": must be 0 (never) or more");
        }
    }

    /** Training runs on the CPU for now; asking for a GPU gives a clear message instead of a silent CPU run. */
    private void checkDevice() {
        if (device == Device.gpu) {
            int gpus = ai.djl.engine.Engine.getInstance().getGpuCount();
            throw new UsageException(gpus == 0
                    ? "--device gpu: no usable GPU was found (DJL's PyTorch engine sees 0 CUDA devices); run with"
                            + " --device cpu"
                    : "--device gpu: this version of Betty for Java trains on the CPU only; run with --device cpu");
        }
    }
}
