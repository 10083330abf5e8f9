package org.betty4j.runtime.engine;

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
import org.betty4j.runtime.hypergrad.BestResponseJacobian;
import org.betty4j.runtime.hypergrad.Hypergradients;
import org.betty4j.runtime.hypergrad.InnerLoop;
import org.betty4j.runtime.hypergrad.JacobianContext;
import org.betty4j.runtime.hypergrad.Vectors;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ProblemContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link Program} with the paper's execution semantics (§3.3): every global step steps
 * each leaf problem once; a problem that has done {@code unrollSteps} local steps signals the
 * problems that use its optimum; a problem steps when all its lower problems have signalled.
 *
 * <p>A problem's gradient is its direct gradient plus, for each of its backpropagation paths
 * {@code [U, x1, ..., L, U]}, the vector {@code ∂C_U/∂θ_x1} carried through each problem's
 * best-response Jacobian product down the path (matrix-vector products only).
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
    private NDManager root;
    private int globalStep;
    private boolean ran;
    private volatile String stopReason;
    private Device device;

    public Engine(Program program, EngineConfig config) {
        this.program = Objects.requireNonNull(program, "program");
        this.config = Objects.requireNonNull(config, "config");
        // fail before any work when a problem's method is not available
        for (ProblemNode p : program.problems()) {
            Hypergradients.forConfig(p.name(), p.hypergrad());
            if (Hypergradients.recordsUpdates(p.hypergrad())) {
                InnerLoopRecorder.checkSettings(p);
            }
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
     * The best-response Jacobian method {@code problemName} is differentiated with, to read its
     * diagnostics (e.g. {@code AidConjugateGradient.lastSolve()} for the CG residual).
     */
    public BestResponseJacobian bestResponseJacobian(String problemName) {
        return state(problemName).jacobian;
    }

    /** Steps of {@code problemName} whose update was skipped for a non-finite value. */
    public int skippedSteps(String problemName) {
        return state(problemName).skippedSteps;
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
        try (ProgressBar bar = config.progressBar() ? progressBar() : null) {
            if (bar != null) {
                bar.stepTo(first - 1);
            }
            for (globalStep = first; globalStep <= config.iterations() && stopReason == null; globalStep++) {
                for (String leaf : program.leaves()) {
                    step(states.get(leaf));
                }
                listeners.forEach(l -> l.onGlobalStep(this, globalStep));
                if (config.checkpointEvery() > 0
                        && (globalStep % config.checkpointEvery() == 0 || globalStep == config.iterations())) {
                    checkpoint(config.checkpointFile());
                }
                if (bar != null) {
                    bar.step();
                }
            }
            globalStep = Math.min(globalStep - 1, config.iterations());
        }
        if (stopReason != null) {
            LOG.info("{}: stopped after global step {}: {}", program.name(), globalStep, stopReason);
            if (config.checkpointEvery() > 0) {
                checkpoint(config.checkpointFile());
            }
        }
        listeners.forEach(l -> l.onRunEnd(this));
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
            Checkpoints.write(file, program.name(), globalStep, states);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot write checkpoint " + file + " at global step " + globalStep
                    + ": " + e.getMessage(), e);
        }
    }

    private int resume(java.nio.file.Path file) {
        try {
            int step = Checkpoints.read(file, program.name(), states);
            LOG.info("{}: resumed from {} after global step {}", program.name(), file, step);
            return step;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot resume from checkpoint " + file + ": " + e.getMessage(), e);
        }
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
            ProblemState state = new ProblemState(node, manager,
                    Hypergradients.forConfig(node.name(), node.hypergrad()), program.lowersOf(node.name()));
            states.put(node.name(), state);
            if (config.lossScaling() != null) {
                state.scaler = config.lossScaling().get();
            }
            if (Hypergradients.recordsUpdates(node.hypergrad())) {
                NDList lowersParams = new NDList();
                program.lowersOf(node.name()).forEach(lower -> lowersParams.addAll(states.get(lower).params));
                state.recorder = new InnerLoopRecorder(manager, Hypergradients.unrolled(node.name(), state.optimizer),
                        lowersParams);
            }
        }
        LOG.info("{}: {} problems, leaves {}, {} global steps", program.name(), states.size(), program.leaves(),
                config.iterations());
    }

    /** The requested device if this engine can use it, else the CPU, with one log line either way. */
    private Device chooseDevice(Device requested) {
        ai.djl.engine.Engine torch = ai.djl.engine.Engine.getEngine("PyTorch");
        if (requested.isGpu() && requested.getDeviceId() >= torch.getGpuCount()) {
            LOG.warn("{}: device {} requested but {} usable GPU(s) found; running on cpu()", program.name(), requested,
                    torch.getGpuCount());
            return Device.cpu();
        }
        LOG.info("{}: running on {}", program.name(), requested);
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
            if (problem.recorder != null) {
                problem.recorder.startLoop(problem.lastBatch);
            }
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
        descend(problem, true, problem.recorder);
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
                descend(problem, false, null);
            }
        }
    }

    /**
     * One gradient step of {@code problem} on its last batch (with accumulation, clipping,
     * callbacks), recorded by {@code recorder} when not null.
     */
    private void descend(ProblemState problem, boolean notify, InnerLoopRecorder recorder) {
        ProblemNode node = problem.node;
        try (StepScope scope = new StepScope(root.newSubManager(), states.values())) {
            Cost cost;
            NDList grads;
            try (GradientCollector recording = root.getEngine().newGradientCollector()) {
                cost = evaluate(problem);
                Map<String, Double> diagnostics = new java.util.TreeMap<>();
                // under loss scaling every term is linear in the loss, hypergradients included
                grads = gradient(problem, problem.scaler == null ? cost.loss() : cost.loss().mul(problem.scaler.scale()),
                        diagnostics);
                for (Map.Entry<String, Double> d : diagnostics.entrySet()) {
                    cost = cost.withMetric(d.getKey(), d.getValue());
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
                    report(problem, cost, notify);
                    return;
                }
            }
            checkFinite(problem, grads);
            try (GradMode off = GradMode.disabled()) {
                NDList update = problem.accumulate(grads, node.gradientAccumulation());
                if (update != null) {
                    clip(node, update);
                    NDList before = recorder == null ? null : Vectors.copy(problem.params, scope.manager);
                    node.trainable().afterGradients(problem.params, update);
                    if (recorder != null) {
                        requireUnchanged(problem, "afterGradients", "parameters", before, problem.params);
                        requireUnchanged(problem, "afterGradients", "gradients", grads, update);
                    }
                    checkFinite(problem, update);
                    double rate = problem.optimizer.learningRate();
                    int updateIndex = problem.optimizer.updates() + 1;
                    NDList stateBefore = recorder == null ? null
                            : recorder.optimizerStateBefore(problem.params, scope.manager);
                    problem.optimizer.step(problem.params, update, problem.optimizerState);
                    problem.clearAccumulated();
                    NDList updated = recorder == null ? null : Vectors.copy(problem.params, scope.manager);
                    node.trainable().afterUpdate();
                    if (recorder != null) {
                        requireUnchanged(problem, "afterUpdate", "parameters", updated, problem.params);
                        recorder.record(before, stateBefore, updateIndex, rate, problem.lastBatch, batch -> evaluate(problem, batch).loss());
                    }
                }
            }
            report(problem, cost, notify);
        } catch (NonFiniteValueException e) {
            if (!config.skipNonFinite()) {
                throw e;
            }
            problem.clearAccumulated();
            problem.skippedSteps++;
            LOG.warn("skipped the update: {}", e.getMessage());
        }
    }

    /** Logs a step and tells the listeners. */
    private void report(ProblemState problem, Cost cost, boolean notify) {
        double loss = scalar(cost.loss());
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

    /** A one-element array's value, whatever its floating type (half precision cannot be read directly). */
    private static double scalar(NDArray a) {
        try (NDArray wide = a.toType(ai.djl.ndarray.types.DataType.FLOAT64, true)) {
            return wide.getDouble();
        }
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

    /**
     * ITD_RMAD differentiates the optimizer's update itself: a hook that changes the parameters
     * or the gradient would make the recorded loop differ from what was run.
     */
    private void requireUnchanged(ProblemState problem, String hook, String what, NDList expected, NDList actual) {
        for (int i = 0; i < expected.size(); i++) {
            if (!expected.get(i).contentEquals(actual.get(i))) {
                throw new IllegalStateException(problem.node.name() + ": " + hook + " changed the " + what
                        + " (parameter '" + problem.paramNames.get(i) + "') at local step " + problem.localSteps
                        + " (global step " + globalStep + "), which ITD_RMAD cannot differentiate: it differentiates "
                        + "the optimizer's update alone. Fix: express the change in the cost (e.g. a "
                        + "reparametrization instead of a clamp), or use AID_CG, AID_NEUMANN or AID_FD for "
                        + problem.node.name());
            }
        }
    }

    /** The cost of {@code problem} on its last batch, checked to be a finite scalar. */
    private Cost evaluate(ProblemState problem) {
        return evaluate(problem, problem.lastBatch);
    }

    /** The cost of {@code problem} on {@code batch}, checked to be a finite scalar. */
    private Cost evaluate(ProblemState problem, Batch batch) {
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
        double value = scalar(loss);
        if (!Double.isFinite(value)) {
            throw new NonFiniteValueException(problem.node.name(), problem.localSteps, globalStep, "the loss", value);
        }
        return cost;
    }

    /**
     * Direct gradient plus every path's hypergradient; each product's diagnostics go to
     * {@code diagnostics} as {@code <problem>.<name>} (the largest value when a problem is on
     * several paths). Null under loss scaling when a vector carried along a path overflowed.
     */
    private NDList gradient(ProblemState problem, NDArray loss, Map<String, Double> diagnostics) {
        List<List<String>> paths = program.pathsOf(problem.node.name());
        NDList total = Autograd.get().grad(loss, problem.params, false);
        if (paths.isEmpty()) {
            return total;
        }
        // All first-order terms come from this loss before any best-response product perturbs
        // a lower problem's parameters in place (that would invalidate this loss's graph).
        Map<String, NDList> lossGradByLower = new LinkedHashMap<>();
        for (List<String> path : paths) {
            lossGradByLower.computeIfAbsent(path.get(1),
                    lower -> Autograd.get().grad(loss, states.get(lower).params, false));
        }
        for (List<String> path : paths) {
            NDList v = lossGradByLower.get(path.get(1));
            for (int i = 1; i < path.size() - 1; i++) {
                if (problem.scaler != null && !allFinite(v)) {
                    // the scaled gradient overflowed: the update will be skipped, and a best-response
                    // product would perturb the lower problem's parameters by a non-finite vector
                    return null;
                }
                ProblemState curr = states.get(path.get(i));
                ProblemState prev = states.get(path.get(i + 1));
                JacobianContext context = new JacobianContext(curr.node.name(), prev.node.name(), curr.params,
                        prev.params, () -> evaluate(curr).loss(), curr.node.hypergrad(), Autograd.get(),
                        curr.recorder == null ? null : recordedLoop(curr));
                v = curr.jacobian.apply(v, context);
                curr.jacobian.lastDiagnostics().forEach((name, value) ->
                        diagnostics.merge(curr.node.name() + "." + name, value, Math::max));
            }
            total = Vectors.add(total, v);
        }
        return total;
    }

    /**
     * The recorded inner loop of {@code problem}, with a warning when it holds fewer updates
     * than a loop takes (resumed mid-loop, non-finite updates skipped, or an upper that steps
     * while this loop runs): the product then differentiates only the recorded ones.
     */
    private InnerLoop recordedLoop(ProblemState problem) {
        InnerLoop loop = problem.recorder.innerLoop();
        int taken = problem.node.unrollSteps();
        if (loop.steps().size() < taken) {
            LOG.warn("{}: ITD_RMAD differentiates through {} of the {} updates of this inner loop (global step {}): "
                    + "only updates taken since the loop started in this run are recorded (not those before a resume "
                    + "from a checkpoint, nor those skipped as non-finite), and an upper that steps mid-loop sees "
                    + "only the loop so far",
                    problem.node.name(), loop.steps().size(), taken, globalStep);
        }
        return loop;
    }

    private void checkFinite(ProblemState problem, NDList grads) {
        for (int i = 0; i < grads.size(); i++) {
            try (NDArray bad = grads.get(i).isInfinite().logicalOr(grads.get(i).isNaN()).any()) {
                if (bad.getBoolean()) {
                    try (NDArray firstBad = grads.get(i).sum()) {
                        throw new NonFiniteValueException(problem.node.name(), problem.localSteps, globalStep,
                                "the gradient of parameter '" + problem.paramNames.get(i) + "'",
                                scalar(firstBad));
                    }
                }
            }
        }
    }

    private void log(ProblemState problem, double loss, Cost cost) {
        if (config.logEvery() > 0 && problem.localSteps % config.logEvery() == 0) {
            LOG.info("{} step {} (global {}): loss {} {}", problem.node.name(), problem.localSteps, globalStep,
                    String.format("%.5f", loss), cost.metrics().isEmpty() ? "" : cost.metrics());
        }
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
    private static final class StepScope implements AutoCloseable {
        final NDManager manager;

        StepScope(NDManager manager, Iterable<ProblemState> problems) {
            this.manager = manager;
            // the step's graphs may use arrays closed during the step (DJL's scalar operands)
            ClosedArrayBuffers.retainUntilClosed(manager);
            for (ProblemState p : problems) {
                for (NDArray held : p.manager.getManagedArrays()) {
                    if (held.getManager() != manager) {
                        held.tempAttach(manager);
                    }
                }
            }
        }

        @Override
        public void close() {
            manager.close();
        }
    }
}
