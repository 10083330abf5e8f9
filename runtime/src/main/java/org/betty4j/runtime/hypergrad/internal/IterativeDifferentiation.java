package org.betty4j.runtime.hypergrad.internal;

import org.betty4j.runtime.hypergrad.HypergradConfig;

import ai.djl.ndarray.NDList;
import ai.djl.training.dataset.Batch;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ITD_RMAD: the best-response product is reverse-mode differentiation through the updates
 * {@code curr} took since its inner loop started: {@code (dθ_curr,T/dθ_prev)ᵀ v}, exact for that
 * unrolled procedure. The loop's starting parameters are constants: when the problem does not
 * reset its parameters at each inner-loop start ({@code Trainable.onInnerLoopStart}), this is
 * truncated backpropagation through the last loop only.
 *
 * <p>In a run, this method records the loop itself ({@link #update}): θ before each update, the
 * optimizer state the rule reads, the batch, and the parameters of the problem's lower problems
 * at that time. It refuses what the recurrence does not model: gradient accumulation, clipping,
 * roll-back ({@link #validate}), and hooks that change the parameters or the update (checked at
 * each update). Outside a run, pass the {@link InnerLoop} in the {@link JacobianContext}.
 *
 * <p>With {@link HypergradConfig#firstOrder()} every second-order term is dropped, as for
 * AID_FD: the product is zero and nothing is recorded.
 */
public final class IterativeDifferentiation implements BestResponseJacobian {

    private static final Logger LOG = LoggerFactory.getLogger(IterativeDifferentiation.class);

    private volatile int lastUnrolledSteps;
    private ProblemSettings settings;
    /** Records the current inner loop during a run; null when nothing is recorded. */
    private InnerLoopRecorder recorder;
    private int lastRecordedGlobalStep;

    /** How many recorded updates the last product went through (0 before the first). */
    public int lastUnrolledSteps() {
        return lastUnrolledSteps;
    }

    /** {@code itd_updates}: how many recorded updates the last product went through. */
    @Override
    public Map<String, Double> lastDiagnostics() {
        return lastUnrolledSteps == 0 ? Map.of() : Map.of("itd_updates", (double) lastUnrolledSteps);
    }

    @Override
    public void validate(ProblemSettings settings) {
        this.settings = settings;
        if (records()) {
            InnerLoopRecorder.checkSettings(settings);
        }
    }

    @Override
    public void attach(ProblemBinding binding) {
        if (records()) {
            recorder = new InnerLoopRecorder(binding.manager(),
                    Hypergradients.unrolled(settings.name(), binding.optimizer()), binding.lowersParameters());
        }
    }

    private boolean records() {
        return settings != null && !settings.config().firstOrder();
    }

    @Override
    public void onInnerLoopStart(Batch lastBatch) {
        if (recorder != null) {
            recorder.startLoop(lastBatch);
        }
    }

    /**
     * Runs the update and records it; throws when a hook changed the parameters or the update,
     * which the recorded loop would then not match.
     */
    @Override
    public void update(InnerUpdate u) {
        if (recorder == null) {
            BestResponseJacobian.super.update(u);
            return;
        }
        NDList before = Vectors.copy(u.parameters(), u.stepManager());
        u.afterGradients();
        requireUnchanged(u, "afterGradients", "parameters", before, u.parameters());
        requireUnchanged(u, "afterGradients", "gradients", u.gradient(), u.update());
        NDList stateBefore = recorder.optimizerStateBefore(u.parameters(), u.stepManager());
        u.step();
        NDList updated = Vectors.copy(u.parameters(), u.stepManager());
        u.afterUpdate();
        requireUnchanged(u, "afterUpdate", "parameters", updated, u.parameters());
        recorder.record(before, stateBefore, u.updateIndex(), u.learningRate(), u.batch(), u::cost);
        lastRecordedGlobalStep = u.globalStep();
    }

    /**
     * ITD_RMAD differentiates the optimizer's update itself: a hook that changes the parameters
     * or the gradient would make the recorded loop differ from what was run.
     */
    private static void requireUnchanged(InnerUpdate u, String hook, String what, NDList expected, NDList actual) {
        for (int i = 0; i < expected.size(); i++) {
            if (!expected.get(i).contentEquals(actual.get(i))) {
                throw new IllegalStateException(u.problem() + ": " + hook + " changed the " + what
                        + " (parameter '" + u.parameterNames().get(i) + "') at local step " + u.localStep()
                        + " (global step " + u.globalStep() + "), which ITD_RMAD cannot differentiate: it "
                        + "differentiates the optimizer's update alone. Fix: express the change in the cost (e.g. a "
                        + "reparametrization instead of a clamp), or use AID_CG, AID_NEUMANN or AID_FD for "
                        + u.problem());
            }
        }
    }

    @Override
    public boolean holds(Batch batch) {
        return recorder != null && recorder.holds(batch);
    }

    @Override
    public void release(Batch keep) {
        if (recorder != null) {
            recorder.release(keep);
            recorder = null;
        }
    }

    @Override
    public NDList apply(NDList v, JacobianContext ctx) {
        if (ctx.config().firstOrder()) {
            return Vectors.zerosLike(ctx.prevParams(), v.get(0).getManager());
        }
        InnerLoop loop = ctx.innerLoop() != null ? ctx.innerLoop() : recordedLoop();
        if (loop == null || loop.steps().isEmpty()) {
            throw new IllegalStateException(ctx.currName() + ": ITD_RMAD has no recorded updates to differentiate "
                    + "while carrying the gradient to " + ctx.prevName() + "; the engine records them for a problem "
                    + "whose method is ITD_RMAD (outside the engine, pass an InnerLoop in the JacobianContext)");
        }
        lastUnrolledSteps = loop.steps().size();
        return loop.optimizer().vjp(ctx.currParams(), ctx.prevParams(), loop.varying(), loop.steps(), v,
                ctx.autograd());
    }

    /**
     * The recorded inner loop, with a warning when it holds fewer updates than a loop takes
     * (resumed mid-loop, non-finite updates skipped, or an upper that steps while this loop
     * runs): the product then differentiates only the recorded ones. Null outside a run.
     */
    private boolean partialLoopWarned;

    private InnerLoop recordedLoop() {
        if (recorder == null) {
            return null;
        }
        InnerLoop loop = recorder.innerLoop();
        int taken = settings.unrollSteps();
        if (!loop.steps().isEmpty() && loop.steps().size() < taken) {
            // once per problem and run: the condition can hold at every upper step
            String format = "{}: ITD_RMAD differentiates through {} of the {} updates of this inner loop (global step {}): "
                    + "only updates taken since the loop started in this run are recorded (not those before a resume "
                    + "from a checkpoint, nor those skipped as non-finite), and an upper that steps mid-loop sees "
                    + "only the loop so far";
            Object[] args = {settings.name(), loop.steps().size(), taken, lastRecordedGlobalStep};
            if (partialLoopWarned) {
                LOG.debug(format, args);
            } else {
                partialLoopWarned = true;
                LOG.warn(format + " (shown once)", args);
            }
        }
        return loop;
    }
}
