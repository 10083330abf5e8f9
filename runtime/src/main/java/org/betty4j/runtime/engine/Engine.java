package org.betty4j.runtime.engine;

import org.betty4j.runtime.internal.Threads;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.dataset.Batch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.betty4j.runtime.autograd.Autograd;
import org.betty4j.runtime.autograd.ClosedArrayBuffers;
import org.betty4j.runtime.autograd.GradMode;
import org.betty4j.runtime.hypergrad.internal.BestResponseJacobian;
import org.betty4j.runtime.hypergrad.internal.Hypergradients;
import org.betty4j.runtime.hypergrad.internal.InnerUpdate;
import org.betty4j.runtime.hypergrad.internal.JacobianContext;
import org.betty4j.runtime.hypergrad.internal.ProblemBinding;
import org.betty4j.runtime.hypergrad.internal.ProblemSettings;
import org.betty4j.runtime.hypergrad.internal.ReverseAccumulation;
import org.betty4j.runtime.hypergrad.internal.Vectors;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Validating;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link Program} with the paper's execution semantics (§3.3): every global step steps
 * each leaf problem once; a problem that has done {@code unrollSteps} local steps signals the
 * problems that use its optimum; a problem steps when all its lower problems have signalled.
 *
 * <p>A problem's gradient is its direct gradient plus what its cost's gradient with respect to
 * the optima it reads carries back through the best responses of the problems below
 * ({@link ReverseAccumulation}: each problem's product once, on the summed adjoint, so the cost
 * is linear in the number of edges, not of paths). Each problem's hypergradient method runs
 * through its lifecycle ({@link BestResponseJacobian}) without the engine knowing which it is.
 *
 * <p>Every step runs in its own sub-manager, closed when the step ends; the batch of a
 * problem's last step is kept (its uppers' hypergradients evaluate its cost on it) and closed
 * when the next one arrives.
 *
 * <pre>{@code
 * try (Engine engine = new Engine(MetaWeightNetEngine.program(), EngineConfig.builder().optIterations(500).build())) {
 *   engine.addListener(myListener);
 *   engine.run();
 * }
 * }</pre>
 */
public final class Engine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

    private final Program program;
    private final EngineConfig config;
    private final List<EngineListener> listeners = new ArrayList<>();
    private final Map<String, ProblemState> states = new LinkedHashMap<>();
    /** Reused by every step's scope to list the held arrays. */
    private final List<NDArray> heldBuffer = new ArrayList<>();
    /** How often each once-only warning occurred (see warnOnce). */
    private final Map<String, Integer> warnings = new LinkedHashMap<>();
    private NDManager root;
    private int globalStep;
    private boolean ran;
    private volatile String stopReason;
    private Device device;
    /** Each problem's hypergradient method, validated when the engine is built. */
    private final Map<String, BestResponseJacobian> methods = new LinkedHashMap<>();
    private final ReverseAccumulation accumulation;
    /** For each problem, the other problems its annotations do not connect it to. */
    /** Problems whose next step audits their cost's dependencies. */
    private final DependencyAudit audit;
    /** The fused scripted step of problems that implement Scripted, where it is the plain step. */
    private final ScriptedSteps scripted;
    /** Problems that implement Validating, in execution order. */
    private final Map<String, Validating> validating = new LinkedHashMap<>();
    /** The run's early stopping, or null. */
    private final EarlyStopping.Watch earlyStopping;
    /** The global step validated last; -1 before the first validation. */
    private int lastValidated = -1;

    public Engine(Program program, EngineConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.program = config.applyTo(Objects.requireNonNull(program, "program"));
        for (ProblemNode p : this.program.problems()) {
            if (p.trainable() instanceof Validating v) {
                validating.put(p.name(), v);
            }
        }
        this.earlyStopping = config.earlyStopping().map(rule -> rule.watch(this::requestStop)).orElse(null);
        // fail before any work when a problem's method is not available or refuses its settings
        for (ProblemNode p : this.program.problems()) {
            methods.put(p.name(), Hypergradients.forProblem(new ProblemSettings(p.name(), p.hypergrad(),
                    p.unrollSteps(), p.gradientAccumulation(), p.clipGradNorm(), p.rollBack())));
        }
        Map<String, List<String>> lowers = new LinkedHashMap<>();
        Map<String, List<String>> readers = new LinkedHashMap<>();
        for (ProblemNode p : this.program.problems()) {
            lowers.put(p.name(), new ArrayList<>());
            readers.put(p.name(), new ArrayList<>());
        }
        this.program.lowerToUpper().forEach(e -> lowers.get(e.to()).add(e.from()));
        this.program.upperToLower().forEach(e -> readers.get(e.from()).add(e.to()));
        this.accumulation = new ReverseAccumulation(lowers, readers);
        this.audit = new DependencyAudit(this.program, lowers, readers);
        this.scripted = new ScriptedSteps(config, audit, () -> root, states);
        if (config.auditDependencies()) {
            audit.requestAll();
        }
    }

    public Engine addListener(EngineListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    public Program program() {
        return program;
    }

    public EngineConfig config() {
        return config;
    }

    /** The global step being run (0 before the first). */
    public int globalStep() {
        return globalStep;
    }

    /** Local steps {@code problemName} has taken so far. */
    public int localSteps(String problemName) {
        return state(problemName).localSteps;
    }

    /** The live parameter arrays of {@code problemName} (valid until the engine is closed). */
    public NDList parameters(String problemName) {
        return state(problemName).params;
    }

    /**
     * The numbers the last best-response product through {@code problemName} reported (AID_CG's
     * {@code cg_iterations}, {@code cg_residual}, {@code cg_relative_residual}; AID_NEUMANN's
     * {@code neumann_last_term_ratio}; ITD_RMAD's {@code itd_updates}); empty before the first.
     * The same numbers reach the upper problem's step metrics as {@code <problem>.<name>}.
     */
    public Map<String, Double> methodDiagnostics(String problemName) {
        return state(problemName).jacobian.lastDiagnostics();
    }

    /** Steps of {@code problemName} whose update was skipped for a non-finite value. */
    public int skippedSteps(String problemName) {
        return state(problemName).skippedSteps;
    }

    /**
     * Audits, at the next step of every problem, that its cost reads only the parameters of the
     * problems its annotations connect it to (its own, its {@code @Upper} and {@code @Lower}
     * problems); an undeclared dependency stops the run with an
     * {@link UndeclaredDependencyException}. Done at each problem's first step unless
     * {@link EngineConfig#auditDependencies()} is off; call this when a cost may start reading
     * something new (e.g. from a listener). The audit reuses the step's loss: it changes no result.
     */
    public void requestDependencyAudit() {
        audit.requestAll();
    }

    /** Time spent in dependency audits so far. */
    public java.time.Duration dependencyAuditTime() {
        return java.time.Duration.ofNanos(audit.nanos());
    }

    /** Arrays the engine's managers hold right now (for leak checks). */
    public int heldArrayCount() {
        return root == null ? 0 : root.getManagedArrays().size();
    }

    /** Runs {@link EngineConfig#iterations()} global steps; an engine runs once. */
    public void run() {
        if (ran) {
            throw new IllegalStateException("this engine has already run; build a new one (program() gives fresh problems)");
        }
        ran = true;
        setUp();
        int first = 1;
        if (config.resumeFrom() != null) {
            first = resume(config.resumeFrom()) + 1;
        }
        listeners.forEach(l -> l.onRunStart(this));
        long startNanos = System.nanoTime();
        try (ProgressBar bar = config.progressBar() && !config.quiet() ? progressBar() : null) {
            if (bar != null) {
                bar.stepTo(first - 1);
            }
            for (globalStep = first; globalStep <= config.iterations() && stopReason == null; globalStep++) {
                for (String leaf : program.leaves()) {
                    step(states.get(leaf));
                }
                if (config.validateEvery() > 0 && globalStep % config.validateEvery() == 0) {
                    validate(globalStep);
                }
                listeners.forEach(l -> l.onGlobalStep(this, globalStep));
                if (config.checkpointEvery() > 0
                        && (globalStep % config.checkpointEvery() == 0 || globalStep == config.iterations())) {
                    checkpoint(config.checkpointFile());
                }
                if (bar != null) {
                    bar.step();
                } else if (config.logEvery() > 0 && globalStep % config.logEvery() == 0) {
                    logProgress(first, startNanos);
                }
            }
            globalStep = Math.min(globalStep - 1, config.iterations());
        }
        info("{}: {} after global step {} of {}; local steps: {}", program.name(),
                stopReason == null ? "done" : "stopped (" + stopReason + ")", globalStep, config.iterations(),
                localStepCounts());
        warnings.forEach((key, count) -> {
            if (count > 1) {
                LOG.warn("{}: warning '{}' occurred {} times in this run", program.name(), key, count);
            }
        });
        if (stopReason != null) {
            if (config.checkpointEvery() > 0) {
                checkpoint(config.checkpointFile());
            }
        }
        if (config.validateEvery() > 0 && lastValidated != globalStep) {
            validate(globalStep);
        }
        listeners.forEach(l -> l.onRunEnd(this));
    }

    /** Validates every {@link Validating} problem and tells the listeners, then early stopping. */
    private void validate(int step) {
        lastValidated = step;
        validating.forEach((name, problem) -> {
            Map<String, Double> metrics = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(
                    problem.validate()));
            LOG.debug("{}: validation at global step {}: {}", name, step, metrics);
            listeners.forEach(l -> l.onValidation(step, name, metrics));
            if (earlyStopping != null) {
                earlyStopping.onValidation(step, name, metrics);
            }
        });
    }

    /**
     * Asks the run to stop after the current global step (e.g. early stopping from a
     * listener); the run then ends normally: listeners' {@code onRunEnd}, a last checkpoint.
     */
    public void requestStop(String reason) {
        if (stopReason == null) {
            stopReason = reason;
        }
    }

    /** Why the run stopped early, or empty when it ran all its iterations (or is running). */
    public java.util.Optional<String> stopReason() {
        return java.util.Optional.ofNullable(stopReason);
    }

    /** The device the run uses (after any fallback); null before {@link #run()}. */
    public Device device() {
        return device;
    }

    /** Writes the whole run's state after the current global step (atomically replacing {@code file}). */
    public void checkpoint(java.nio.file.Path file) {
        try {
            Checkpoints.write(file, program.name(), globalStep, settings(), states);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot write checkpoint " + file + " at global step " + globalStep
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * The run's settings as a checkpoint records them: seed, iterations, precision, program
     * options and, per problem, its schedule, method and optimizer's learning rate. A resume
     * compares them with its own ({@link #settingsChangedOnResume()}).
     */
    private Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("seed", Long.toString(config.seed()));
        s.put("iterations", Integer.toString(config.iterations()));
        s.put("precision", String.valueOf(config.dataType()));
        new java.util.TreeMap<>(config.options()).forEach((k, v) -> s.put("option " + k, v));
        for (ProblemState st : states.values()) {
            ProblemNode p = st.node;
            String n = p.name() + " ";
            s.put(n + "unroll", Integer.toString(p.unrollSteps()));
            s.put(n + "hypergrad", String.valueOf(p.hypergrad()));
            s.put(n + "warmup", Integer.toString(p.warmupSteps()));
            s.put(n + "accumulate", Integer.toString(p.gradientAccumulation()));
            s.put(n + "clip", Double.toString(p.clipGradNorm()));
            s.put(n + "roll-back", Boolean.toString(p.rollBack()));
            s.put(n + "optimizer", st.optimizer.getClass().getSimpleName());
            s.put(n + "learning rate", Float.toString(st.optimizer.learningRate()));
        }
        return s;
    }

    private final List<String> settingsChanged = new ArrayList<>();
    private final List<ProblemContext> contexts = new ArrayList<>();

    /**
     * The program options the problems asked for in setUp ({@link ProblemContext#option}),
     * present or not; empty before the run starts.
     */
    public java.util.Set<String> optionsAsked() {
        java.util.Set<String> keys = new java.util.TreeSet<>();
        contexts.forEach(c -> keys.addAll(c.optionsAsked()));
        return keys;
    }

    /**
     * After a resume: each setting whose value differs from the checkpoint's, as
     * {@code "seed: checkpoint 42, this run 7"}. This run's settings apply to every step after
     * the resume; parameters, optimizer state, counters and data position come from the
     * checkpoint. Empty when nothing differs or the run did not resume.
     */
    public List<String> settingsChangedOnResume() {
        return List.copyOf(settingsChanged);
    }

    private int resume(java.nio.file.Path file) {
        Checkpoints.Parsed parsed;
        try {
            parsed = Checkpoints.read(file, program.name(), states);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e instanceof CheckpointException ? e.getMessage()
                    : "cannot resume from checkpoint " + file + ": " + e.getMessage(), e);
        }
        int step = parsed.globalStep();
        if (step > config.iterations()) {
            throw new IllegalStateException("checkpoint " + file + " was written after global step " + step
                    + ", beyond this run's " + config.iterations() + " iterations: run at least " + step
                    + " iterations to resume it");
        }
        Map<String, String> now = settings();
        Map<String, String> saved = parsed.settings();
        for (String key : now.keySet()) {
            if (!now.get(key).equals(saved.get(key))) {
                settingsChanged.add(key + ": checkpoint " + saved.getOrDefault(key, "(not set)") + ", this run "
                        + now.get(key));
            }
        }
        for (String key : saved.keySet()) {
            if (!now.containsKey(key)) {
                settingsChanged.add(key + ": checkpoint " + saved.get(key) + ", this run (not set)");
            }
        }
        info("{}: resumed from {} after global step {}", program.name(), file, step);
        if (!settingsChanged.isEmpty()) {
            LOG.warn("{}: settings differ from checkpoint {}: {}; this run's apply from global step {} on, parameters,"
                    + " optimizer state and data position come from the checkpoint", program.name(), file,
                    String.join("; ", settingsChanged), step + 1);
        }
        return step;
    }

    private ProgressBar progressBar() {
        return new ProgressBarBuilder()
                .setTaskName(program.name())
                .setInitialMax(config.iterations())
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500)
                .continuousUpdate()
                .build();
    }

    private void setUp() {
        Threads.apply(config.threads());
        ai.djl.engine.Engine.getEngine("PyTorch").setRandomSeed((int) config.seed());
        device = chooseDevice(config.device());
        root = NDManager.newBaseManager(device);
        Precision.check(root, config.dataType());
        if (config.computeType() != ai.djl.ndarray.types.DataType.FLOAT32) {
            org.betty4j.runtime.autograd.MixedPrecision.check(root, config.computeType());
            LOG.info("{}: mixed precision, FLOAT32 parameters and {} compute{}", program.name(), config.computeType().name(),
                    config.lossScaling() == null ? "" : ", dynamic loss scaling");
        }
        for (ProblemNode node : program.problems()) {
            NDManager manager = root.newSubManager();
            ProblemContext context = new ProblemContext(node.name(), manager, seedFor(node.name()), config.options(),
                    config.iterations(), config.dataType(), config.computeType());
            node.trainable().setUp(context);
            contexts.add(context);
            ProblemState state = new ProblemState(node, manager, methods.get(node.name()),
                    program.lowersOf(node.name()));
            states.put(node.name(), state);
            if (config.lossScaling() != null) {
                state.scaler = config.lossScaling().get();
            }
            state.asNode = accumulationNode(state);
            NDList lowersParams = new NDList();
            program.lowersOf(node.name()).forEach(lower -> lowersParams.addAll(states.get(lower).params));
            state.jacobian.attach(new ProblemBinding(manager, state.optimizer, lowersParams));
        }
        info("{}: {} problems, leaves {}, {} global steps", program.name(), states.size(), program.leaves(),
                config.iterations());
    }

    /** The requested device if this engine can use it, else the CPU, with one log line either way. */
    private Device chooseDevice(Device requested) {
        ai.djl.engine.Engine torch = ai.djl.engine.Engine.getEngine("PyTorch");
        int gpus = requested.isGpu() ? torch.getGpuCount() : 0;
        if (requested.isGpu() && requested.getDeviceId() >= gpus) {
            LOG.warn("{}: device {} requested but {} usable GPU(s) found; running on cpu()", program.name(), requested,
                    gpus);
            return Device.cpu();
        }
        info("{}: running on {}", program.name(), requested);
        return requested;
    }

    private long seedFor(String problemName) {
        long h = config.seed() * 0x9E3779B97F4A7C15L + problemName.hashCode();
        return h ^ (h >>> 31);
    }

    private void step(ProblemState problem) {
        if (!problem.allLowersReady()) {
            return;
        }
        ProblemNode node = problem.node;
        int cycle = node.unrollSteps() * node.gradientAccumulation();
        if (problem.localSteps % cycle == 0) {
            problem.jacobian.onInnerLoopStart(problem.lastBatch);
            withoutRecording(() -> node.trainable().onInnerLoopStart());
            if (node.rollBack()) {
                problem.cacheForRollBack();
            }
        }
        problem.localSteps++;
        int epochBefore = problem.data.epoch();
        problem.replaceBatch(problem.data.next(problem.manager));
        if (problem.data.epoch() > epochBefore) {
            node.trainable().onEpoch(problem.data.epoch());
        }
        descend(problem, true, true);
        problem.ready.replaceAll((k, v) -> false);
        if (problem.localSteps % cycle == 0 && problem.localSteps > node.warmupSteps()) {
            List<String> uppers = program.uppersUsingOptimumOf(node.name());
            for (String upperName : uppers) {
                ProblemState upper = states.get(upperName);
                upper.ready.put(node.name(), true);
                step(upper);
            }
            if (node.rollBack() && !uppers.isEmpty()) {
                // Betty's roll-back: back to the state at the start of this inner loop, then one
                // step on the last batch with the uppers' new parameters
                problem.restoreRollBack();
                descend(problem, false, false);
            }
        }
    }

    /**
     * One gradient step of {@code problem} on its last batch (with accumulation, clipping,
     * callbacks); its hypergradient method runs the update when {@code observed} (the roll-back
     * step runs it plainly).
     */
    private void descend(ProblemState problem, boolean notify, boolean observed) {
        try (ScriptedSteps.Step fused = scripted.tryStep(problem, globalStep)) {
            if (fused != null) {
                report(problem, fused.cost(), fused.loss(), notify);
                return;
            }
        }
        ProblemNode node = problem.node;
        try (StepScope scope = new StepScope(root.newSubManager(), states.values(), heldBuffer)) {
            Cost cost;
            NDList grads;
            // The loss is read to the host once, with the finite guard's sums: for a problem with
            // no lowers computing its gradient changes nothing, so a non-finite loss is still
            // reported before anything moves. A problem with lowers checks it first: its
            // hypergradient perturbs the lowers' parameters by vectors a non-finite loss would
            // make non-finite. So do an audited step, which reads the loss's dependencies, and a
            // loss-scaled one, whose scaler learns from the gradient.
            boolean lossChecked = !problem.ready.isEmpty() || problem.scaler != null || audit.isDue(node.name());
            double loss;
            try (GradientCollector recording = root.getEngine().newGradientCollector()) {
                cost = compute(problem, problem.lastBatch);
                loss = lossChecked ? checkedScalar(problem, cost.loss()) : Double.NaN;
                audit.checkIfDue(problem, cost.loss(), states, globalStep);
                Map<String, Double> diagnostics = new java.util.TreeMap<>();
                // under loss scaling every term is linear in the loss, hypergradients included
                grads = gradient(problem, problem.scaler == null ? cost.loss() : cost.loss().mul(problem.scaler.scale()),
                        diagnostics);
                if (!diagnostics.isEmpty()) {
                    Map<String, Double> metrics = new LinkedHashMap<>(cost.metrics());
                    metrics.putAll(diagnostics);
                    cost = new Cost(cost.loss(), metrics);
                }
            }
            if (problem.scaler != null) {
                double scale = problem.scaler.scale();
                grads = grads == null ? null : unscale(grads, scale);
                cost = cost.withMetric("loss_scale", scale);
                if (!problem.scaler.update(grads != null && allFinite(grads))) {
                    // GradScaler's rule: an overflow skips this update (and what was accumulated)
                    problem.clearAccumulated();
                    problem.skippedSteps++;
                    LOG.debug("{}: local step {}: gradient overflowed at loss scale {}; update skipped, scale now {}",
                            node.name(), problem.localSteps, scale, problem.scaler.scale());
                    report(problem, cost, loss, notify);
                    return;
                }
            }
            if (lossChecked) {
                checkFinite(problem, grads);
            } else {
                loss = FiniteGuard.check(problem, cost.loss(), grads, globalStep, states);
            }
            try (GradMode off = GradMode.disabled()) {
                NDList update = problem.accumulate(grads, node.gradientAccumulation());
                if (update != null) {
                    clip(node, update);
                    Update u = new Update(problem, grads, update, scope.manager);
                    if (observed) {
                        problem.jacobian.update(u);
                    } else {
                        u.afterGradients();
                        u.step();
                        u.afterUpdate();
                    }
                    u.requireComplete(problem.jacobian);
                }
            }
            report(problem, cost, loss, notify);
        } catch (NonFiniteValueException e) {
            if (!config.skipNonFinite()) {
                throw e;
            }
            problem.clearAccumulated();
            problem.skippedSteps++;
            warnOnce("skipped non-finite update of " + problem.node.name(), "skipped the update: {}", e.getMessage());
        }
    }

    /** {@code problem} as the reverse accumulation sees it; its cost is evaluated on its last batch. */
    private ReverseAccumulation.Node accumulationNode(ProblemState problem) {
        return new ReverseAccumulation.Node() {
            @Override
            public NDList parameters() {
                return problem.params;
            }

            @Override
            public BestResponseJacobian method() {
                return problem.jacobian;
            }

            @Override
            public JacobianContext context(String prevNames, NDList prevParams) {
                return new JacobianContext(problem.node.name(), prevNames, problem.params, prevParams,
                        () -> evaluate(problem).loss(), problem.node.hypergrad(), Autograd.get());
            }
        };
    }

    /** Logs a step and tells the listeners; {@code loss} is the value of {@code cost}'s loss. */
    private void report(ProblemState problem, Cost cost, double loss, boolean notify) {
        log(problem, loss, cost);
        if (notify) {
            for (EngineListener l : listeners) {
                l.onProblemStep(problem.node, problem.localSteps, globalStep, loss, cost);
            }
        }
    }

    private static NDList unscale(NDList grads, double scale) {
        try (GradMode off = GradMode.disabled()) {
            NDList out = new NDList(grads.size());
            for (NDArray g : grads) {
                out.add(g.div(scale));
            }
            return out;
        }
    }

    private static boolean allFinite(NDList grads) {
        for (NDArray g : grads) {
            // one sum per array: NaN or infinity anywhere makes it non-finite (see performance.md)
            try (NDArray sum = g.sum()) {
                if (!Double.isFinite(scalar(sum))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** A one-element array's value, whatever its floating type. */
    private static double scalar(NDArray a) {
        return FiniteGuard.read(a)[0];
    }

    private static void withoutRecording(Runnable r) {
        try (GradMode off = GradMode.disabled()) {
            r.run();
        }
    }

    /** Scales the update down to the node's maximum norm, in place. */
    private static void clip(ProblemNode node, NDList update) {
        if (node.clipGradNorm() > 0) {
            double norm = Vectors.norm(update);
            if (norm > node.clipGradNorm()) {
                double scale = node.clipGradNorm() / norm;
                for (NDArray g : update) {
                    g.muli(scale);
                }
            }
        }
    }

    /** One update of a problem: the engine's plain step in three parts, which the problem's method runs. */
    private final class Update implements InnerUpdate {
        private final ProblemState problem;
        private final NDList gradient;
        private final NDList update;
        private final NDManager stepManager;
        private final double learningRate;
        private final int updateIndex;
        private int partsRun;

        Update(ProblemState problem, NDList gradient, NDList update, NDManager stepManager) {
            this.problem = problem;
            this.gradient = gradient;
            this.update = update;
            this.stepManager = stepManager;
            this.learningRate = problem.optimizer.learningRate();
            this.updateIndex = problem.optimizer.updates() + 1;
        }

        @Override
        public String problem() {
            return problem.node.name();
        }

        @Override
        public List<String> parameterNames() {
            return problem.paramNames;
        }

        @Override
        public NDList parameters() {
            return problem.params;
        }

        @Override
        public NDList gradient() {
            return gradient;
        }

        @Override
        public NDList update() {
            return update;
        }

        @Override
        public int localStep() {
            return problem.localSteps;
        }

        @Override
        public int globalStep() {
            return globalStep;
        }

        @Override
        public double learningRate() {
            return learningRate;
        }

        @Override
        public int updateIndex() {
            return updateIndex;
        }

        @Override
        public Batch batch() {
            return problem.lastBatch;
        }

        @Override
        public NDArray cost(Batch batch) {
            return evaluate(problem, batch).loss();
        }

        @Override
        public NDManager stepManager() {
            return stepManager;
        }

        @Override
        public void afterGradients() {
            part(0);
            problem.node.trainable().afterGradients(problem.params, update);
            // without the hook and accumulation the update is the gradient the step checked,
            // scaled by a finite factor at most (clipping)
            if (problem.hasAfterGradients || problem.node.gradientAccumulation() > 1) {
                checkFinite(problem, update);
            }
        }

        @Override
        public void step() {
            part(1);
            problem.optimizer.step(problem.params, update, problem.optimizerState);
            problem.clearAccumulated();
        }

        @Override
        public void afterUpdate() {
            part(2);
            problem.node.trainable().afterUpdate();
        }

        private void part(int index) {
            if (partsRun != index) {
                throw new IllegalStateException(problem() + ": the parts of an update must run once each, in the "
                        + "order afterGradients, step, afterUpdate; part " + (index + 1) + " was asked after "
                        + partsRun);
            }
            partsRun++;
        }

        void requireComplete(BestResponseJacobian method) {
            if (partsRun != 3) {
                throw new IllegalStateException(problem() + ": hypergradient method " + method.getClass().getName()
                        + " ran " + partsRun + " of the 3 parts of the update at local step " + problem.localSteps);
            }
        }
    }

    /** The cost of {@code problem} on its last batch, checked to be a finite scalar. */
    private Cost evaluate(ProblemState problem) {
        return evaluate(problem, problem.lastBatch);
    }

    /** The cost of {@code problem} on {@code batch}, checked to be a finite scalar. */
    private Cost evaluate(ProblemState problem, Batch batch) {
        Cost cost = compute(problem, batch);
        checkedScalar(problem, cost.loss());
        return cost;
    }

    /** The value of {@code problem}'s loss {@code loss}, checked to be finite. */
    private double checkedScalar(ProblemState problem, NDArray loss) {
        double value = scalar(loss);
        if (!Double.isFinite(value)) {
            throw FiniteGuard.lossNotFinite(problem, value, globalStep, states);
        }
        return value;
    }

    /** The cost of {@code problem} on {@code batch}, checked to be a scalar (not yet to be finite). */
    private Cost compute(ProblemState problem, Batch batch) {
        Cost cost = problem.node.costFunction().compute(batch);
        if (cost == null) {
            throw new IllegalStateException(problem.node.name() + ": the training step returned null at local step "
                    + problem.localSteps);
        }
        NDArray loss = cost.loss();
        if (loss.size() != 1) {
            throw new IllegalStateException(problem.node.name() + ": the training step returned a loss of shape "
                    + loss.getShape() + " at local step " + problem.localSteps
                    + "; a loss must be a scalar: reduce it with mean() or sum()");
        }
        return cost;
    }

    /**
     * Direct gradient plus the hypergradient through the problems below, by reverse
     * accumulation; each product's diagnostics go to {@code diagnostics} as
     * {@code <problem>.<name>}. Null under loss scaling when a carried vector overflowed.
     */
    private NDList gradient(ProblemState problem, NDArray loss, Map<String, Double> diagnostics) {
        // under loss scaling an overflowed vector skips the update before a best-response product
        // perturbs a lower problem's parameters by it
        return accumulation.gradient(problem.node.name(), loss, name -> states.get(name).asNode, Autograd.get(),
                diagnostics, problem.scaler == null ? v -> true : Engine::allFinite);
    }

    private void checkFinite(ProblemState problem, NDList grads) {
        FiniteGuard.check(problem, grads, globalStep, states);
    }

    private void log(ProblemState problem, double loss, Cost cost) {
        if (config.logEvery() > 0 && problem.localSteps % config.logEvery() == 0) {
            info("{} step {} (global {}): loss {} {}", problem.node.name(), problem.localSteps, globalStep,
                    String.format("%.5f", loss), cost.metrics().isEmpty() ? "" : cost.metrics());
        }
    }

    /**
     * A warning the first time {@code key} occurs in this run, DEBUG afterwards: a condition
     * that holds at every step would otherwise flood the log. The run's last line counts them.
     */
    private void warnOnce(String key, String format, Object... args) {
        int seen = warnings.merge(key, 1, Integer::sum);
        if (seen == 1) {
            LOG.warn(format + " (shown once; the run's last line counts repeats)", args);
        } else {
            LOG.debug(format, args);
        }
    }

    /** Informational output: INFO, or DEBUG when the run is quiet. */
    private void info(String format, Object... args) {
        if (config.quiet()) {
            LOG.debug(format, args);
        } else {
            LOG.info(format, args);
        }
    }

    /** The progress line that replaces the progress bar where no one watches a terminal. */
    private void logProgress(int first, long startNanos) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        int done = globalStep - first + 1;
        double rate = done / Math.max(seconds, 1e-9);
        long left = Math.round((config.iterations() - globalStep) / rate);
        info("{}: global step {}/{} ({}%), {} global steps/s, about {} left", program.name(), globalStep,
                config.iterations(), 100L * globalStep / Math.max(1, config.iterations()),
                String.format(java.util.Locale.ROOT, "%.2f", rate),
                String.format(java.util.Locale.ROOT, "%d:%02d:%02d", left / 3600, left / 60 % 60, left % 60));
    }

    /** "Low 12, High 3": every problem's local steps so far, in the program's order. */
    private String localStepCounts() {
        StringBuilder counts = new StringBuilder();
        for (ProblemState p : states.values()) {
            counts.append(counts.length() == 0 ? "" : ", ").append(p.node.name()).append(' ').append(p.localSteps);
        }
        return counts.toString();
    }

    private ProblemState state(String problemName) {
        ProblemState s = states.get(problemName);
        if (s == null) {
            program.problem(problemName); // throws with the known names if the name is wrong
            throw new IllegalStateException("the engine has not been run yet: " + problemName + " has no state");
        }
        return s;
    }

    /** Closes every problem's arrays (parameters included) and the engine's root manager. */
    @Override
    public void close() {
        scripted.close();
        for (ProblemState s : states.values()) {
            s.close();
        }
        states.clear();
        if (root != null) {
            root.close();
            root = null;
        }
    }

    /**
     * One step's sub-manager. Every array the problems hold (parameters, data, kept batches,
     * optimizer state) is temporarily attached to it for the step: DJL puts an operation's
     * result in its first operand's manager, so {@code theta.square()} in a training step would
     * otherwise pile up in the problem's long-lived manager. On close, the held arrays return
     * to their managers and everything the step created is freed.
     */
    static final class StepScope implements AutoCloseable {
        final NDManager manager;

        StepScope(NDManager manager, Iterable<ProblemState> problems, List<NDArray> heldBuffer) {
            this.manager = manager;
            // the step's graphs may use arrays closed during the step (DJL's scalar operands)
            ClosedArrayBuffers.retainUntilClosed(manager);
            heldBuffer.clear();
            for (ProblemState p : problems) {
                HeldArrays.collect(p.manager, heldBuffer);
            }
            for (NDArray held : heldBuffer) {
                if (held.getManager() != manager) {
                    held.tempAttach(manager);
                }
            }
            heldBuffer.clear();
        }

        @Override
        public void close() {
            manager.close();
        }
    }

    /**
     * The arrays a manager and its sub-managers hold, as {@link NDManager#getManagedArrays()}
     * lists them, walked without its stream per array (the step scope does this every step).
     * Falls back to {@code getManagedArrays} where the manager's fields cannot be read.
     */
    static final class HeldArrays {
        private static final java.lang.reflect.Field RESOURCES = field("resources");
        private static final java.lang.reflect.Field TEMP_RESOURCES = field("tempResources");

        private HeldArrays() {}

        private static java.lang.reflect.Field field(String name) {
            try {
                java.lang.reflect.Field f = ai.djl.ndarray.BaseNDManager.class.getDeclaredField(name);
                f.setAccessible(true);
                return f.getType() == java.util.concurrent.ConcurrentHashMap.class ? f : null;
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }

        /** Whether the walk reads the managers' fields (false: every walk falls back). */
        static boolean readsFields() {
            return RESOURCES != null && TEMP_RESOURCES != null;
        }

        static void collect(NDManager m, List<NDArray> out) {
            Map<?, ?> resources = map(RESOURCES, m);
            Map<?, ?> temp = map(TEMP_RESOURCES, m);
            if (resources == null || temp == null || !temp.isEmpty()) {
                out.addAll(m.getManagedArrays());
                return;
            }
            for (Object r : resources.values()) {
                if (r instanceof NDArray a) {
                    out.add(a);
                } else if (r instanceof ai.djl.ndarray.NDResource nd) {
                    out.addAll(nd.getResourceNDArrays());
                } else if (r instanceof NDManager sub) {
                    collect(sub, out);
                }
            }
        }

        private static Map<?, ?> map(java.lang.reflect.Field f, NDManager m) {
            if (f == null || !(m instanceof ai.djl.ndarray.BaseNDManager)) {
                return null;
            }
            try {
                return (Map<?, ?>) f.get(m);
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }
    }
}
