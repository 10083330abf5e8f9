package org.betty4j.runtime.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.betty4j.runtime.autograd.GradMode;
import org.betty4j.runtime.hypergrad.internal.BestResponseJacobian;
import org.betty4j.runtime.hypergrad.internal.InnerUpdate;
import org.betty4j.runtime.optim.UpdateRule;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.Scripted;
import org.betty4j.runtime.script.ScriptedStep;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's use of the fused scripted step ({@link ScriptedStep}) for problems that implement
 * {@link Scripted}, only where it is exactly the plain step: anywhere else the generic step runs,
 * and the reason is logged once per problem. See runtime/SCRIPTED.md.
 */
final class ScriptedSteps implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ScriptedSteps.class);

    /**
     * Largest relative difference between the scripted and the Java loss accepted as float
     * rounding (the same operations give the same bits; a reordered sum of 10⁶ float32 terms
     * stays within ~1e-5).
     */
    static final double LOSS_TOLERANCE = 1e-4;

    private final EngineConfig config;
    private final DependencyAudit audit;
    private final Supplier<NDManager> root;
    private final Map<String, ProblemState> states;
    /** Problem name -> its compiled step; absent until its first step, null when it is not eligible. */
    private final Map<String, ScriptedStep> steps = new HashMap<>();
    /** Problems whose scripted loss was compared with the Java one in this run. */
    private final Map<String, Boolean> verified = new HashMap<>();

    ScriptedSteps(EngineConfig config, DependencyAudit audit, Supplier<NDManager> root,
            Map<String, ProblemState> states) {
        this.config = config;
        this.audit = audit;
        this.root = root;
        this.states = states;
    }

    /** A step run by the script: its cost and the loss's value (read once, with the checks); closing it frees the loss. */
    record Step(Cost cost, double loss) implements AutoCloseable {
        @Override
        public void close() {
            cost.loss().close();
        }
    }

    /**
     * Runs {@code problem}'s step on its last batch through its script, then its
     * {@code afterUpdate}; null when the generic step must run it (not eligible, an audit is due,
     * or a check was not finite: then nothing changed, and the generic step names the array).
     *
     * @throws IllegalStateException when the scripted and the Java loss differ beyond float rounding
     */
    Step tryStep(ProblemState problem, int globalStep) {
        if (!(problem.node.trainable() instanceof Scripted scripted)) {
            return null;
        }
        String name = problem.node.name();
        if (!steps.containsKey(name)) {
            steps.put(name, plan(problem, scripted));
        }
        ScriptedStep step = steps.get(name);
        if (step == null || audit.isDue(name)) {
            return null;
        }
        Batch batch = problem.lastBatch;
        UpdateRule rule = problem.optimizer.updateRule().orElseThrow();
        NDList arguments = new NDList();
        arguments.addAll(problem.params);
        arguments.addAll(scripted.scriptedReads());
        arguments.addAll(batch.getData());
        arguments.addAll(batch.getLabels());
        arguments.addAll(problem.optimizer.inPlaceState(problem.params, problem.optimizerState).orElseThrow());
        float[] h = rule.scriptScalars(problem.optimizer.learningRate(), problem.optimizer.updates() + 1);
        boolean verify = !verified.containsKey(name);
        double javaLoss = verify ? javaLoss(problem, batch) : 0;
        if (!Double.isFinite(javaLoss)) {
            return null; // the generic step names the cause
        }
        ScriptedStep.Result result = step.run(arguments, h);
        if (!result.applied()) {
            result.loss().close();
            return null;
        }
        if (verify) {
            double scriptLoss = result.value();
            double scale = Math.max(1.0, Math.max(Math.abs(javaLoss), Math.abs(scriptLoss)));
            if (!(Math.abs(scriptLoss - javaLoss) <= LOSS_TOLERANCE * scale)) {
                result.loss().close();
                throw new IllegalStateException(name + ": its scripted cost gives " + scriptLoss + " but its "
                        + "training step gives " + javaLoss + " on the same batch (local step " + problem.localSteps
                        + ", global step " + globalStep + "); make scriptedCost() compute the training step's "
                        + "cost (same arguments in the same order: parameters, scriptedReads(), batch data, "
                        + "labels), or remove Scripted from the problem");
            }
            verified.put(name, true);
        }
        problem.optimizer.countInPlaceUpdate();
        try (GradMode off = GradMode.disabled()) {
            problem.node.trainable().afterUpdate();
        }
        return new Step(Cost.of(result.loss()), result.value());
    }

    /** The problem's compiled step, or null (logged once) when the scripted step is not the plain step. */
    private ScriptedStep plan(ProblemState problem, Scripted scripted) {
        String reason = whyNot(problem);
        if (reason != null) {
            LOG.warn("{}: implements Scripted but runs the generic step: {}", problem.node.name(), reason);
            return null;
        }
        Batch batch = problem.lastBatch;
        int batchArrays = batch.getData().size() + batch.getLabels().size();
        ScriptedStep step = ScriptedStep.compile(problem.node.name(), scripted.scriptedCost(), problem.paramNames,
                scripted.scriptedReads().size(), batchArrays, problem.optimizer.updateRule().orElseThrow());
        LOG.debug("{}: runs the fused scripted step", problem.node.name());
        return step;
    }

    /** Why the scripted step would not be the plain step of {@code problem}; null when it is. */
    private String whyNot(ProblemState problem) {
        ProblemNode node = problem.node;
        Optional<UpdateRule> rule = problem.optimizer.updateRule();
        if (rule.isEmpty() || rule.get().scriptSource() == null) {
            return "its optimizer " + problem.optimizer.getClass().getSimpleName()
                    + " has no scripted update rule (Sgd and Adam have one)";
        }
        if (!problem.ready.isEmpty()) {
            return "its gradient includes hypergradients through its lower problems " + problem.ready.keySet();
        }
        if (declaredBy(problem.jacobian.getClass(), "update", InnerUpdate.class) != BestResponseJacobian.class) {
            return "its hypergradient method " + (node.hypergrad() == null ? "" : node.hypergrad().method())
                    + " records its updates";
        }
        if (node.gradientAccumulation() != 1) {
            return "it accumulates gradients over " + node.gradientAccumulation() + " steps";
        }
        if (node.clipGradNorm() > 0) {
            return "it clips its gradients";
        }
        if (problem.scaler != null || config.computeType() != ai.djl.ndarray.types.DataType.FLOAT32) {
            return "the run uses mixed precision";
        }
        if (problem.hasAfterGradients) {
            return "it overrides afterGradients, which sees the gradient before the update";
        }
        // last: it creates the optimizer's state arrays (zeros) when they do not exist yet
        if (problem.optimizer.inPlaceState(problem.params, problem.optimizerState).isEmpty()) {
            return "its optimizer " + problem.optimizer.getClass().getSimpleName() + " does not expose its state";
        }
        return null;
    }

    private static Class<?> declaredBy(Class<?> type, String method, Class<?>... parameters) {
        try {
            return type.getMethod(method, parameters).getDeclaringClass();
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The Java training step's loss on {@code batch}, without a graph, in a scope freed after it. */
    private double javaLoss(ProblemState problem, Batch batch) {
        try (Engine.StepScope scope = new Engine.StepScope(root.get().newSubManager(), states.values(),
                new java.util.ArrayList<>()); GradMode off = GradMode.disabled()) {
            NDArray loss = problem.node.costFunction().compute(batch).loss();
            try (NDArray wide = loss.toType(ai.djl.ndarray.types.DataType.FLOAT64, true)) {
                return wide.getDouble();
            }
        }
    }

    @Override
    public void close() {
        for (ScriptedStep step : steps.values()) {
            if (step != null) {
                step.close();
            }
        }
        steps.clear();
    }
}
