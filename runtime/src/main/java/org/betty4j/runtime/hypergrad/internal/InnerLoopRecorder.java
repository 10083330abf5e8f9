package org.betty4j.runtime.hypergrad.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * What ITD_RMAD needs of a problem's current inner loop: for each update since the loop
 * started, θ before it, its learning rate, its batch (kept alive), and the parameters of the
 * problem's lower problems at that time (its cost reads them and they move during the loop; its
 * upper problems do not, as they wait for this problem's signal), and the optimizer state the
 * update rule reads (Adam's moments). Everything is freed when the
 * next loop starts, so memory holds one loop: {@code unrollSteps} parameter copies and batches.
 */
final class InnerLoopRecorder {

    private final NDManager parent;
    private final UnrolledOptimizer optimizer;
    private final NDList varying;
    private final List<RecordedStep> steps = new ArrayList<>();
    private final Set<Batch> batches = Collections.newSetFromMap(new IdentityHashMap<>());
    private NDManager loop;

    /**
     * @param parent the problem's manager (the copies live in a sub-manager of it, so each step
     *     temporarily attaches them like every other array the problem holds)
     * @param varying the live parameters of the problem's lower problems
     */
    InnerLoopRecorder(NDManager parent, UnrolledOptimizer optimizer, NDList varying) {
        this.parent = parent;
        this.optimizer = optimizer;
        this.varying = varying;
        this.loop = parent.newSubManager();
    }

    /** Checks the settings whose updates the recurrence does not model, before any work. */
    static void checkSettings(ProblemSettings node) {
        String fix = " Fix: remove it for this problem, or use AID_CG, AID_NEUMANN or AID_FD";
        if (node.gradientAccumulation() > 1) {
            throw new IllegalArgumentException(node.name() + ": ITD_RMAD cannot differentiate through gradient "
                    + "accumulation (gradientAccumulation = " + node.gradientAccumulation()
                    + "): it differentiates one update per batch." + fix);
        }
        if (node.clipGradNorm() > 0) {
            throw new IllegalArgumentException(node.name() + ": ITD_RMAD cannot differentiate through gradient "
                    + "clipping (clipGradNorm = " + node.clipGradNorm() + ")." + fix);
        }
        if (node.rollBack()) {
            throw new IllegalArgumentException(node.name() + ": ITD_RMAD with roll-back is not supported (the "
                    + "roll-back step would leave the parameters off the recorded inner loop)." + fix);
        }
    }

    /** Forgets the last loop: frees its copies and its batches except {@code keep} (closed by its owner). */
    void startLoop(Batch keep) {
        release(keep);
        loop = parent.newSubManager();
    }

    /** Frees everything recorded; batches except {@code keep} (closed by its owner). */
    void release(Batch keep) {
        steps.clear();
        for (Batch b : batches) {
            if (b != keep) {
                b.close();
            }
        }
        batches.clear();
        loop.close();
    }

    /** Whether {@code batch} belongs to the recorded loop (its owner must not close it). */
    boolean holds(Batch batch) {
        return batches.contains(batch);
    }

    /** Copies, in {@code manager}, of the optimizer state the coming update reads (see {@link #record}). */
    NDList optimizerStateBefore(NDList params, NDManager manager) {
        return optimizer.stateBefore(params, manager);
    }

    /**
     * Records the {@code update}-th update of the optimizer (1-based), taken on {@code batch}
     * with {@code learningRate} from {@code paramsBefore} and {@code stateBefore} (copies this
     * recorder takes over).
     */
    void record(NDList paramsBefore, NDList stateBefore, int update, double learningRate, Batch batch,
            Function<Batch, NDArray> cost) {
        for (NDArray p : paramsBefore) {
            p.attach(loop);
        }
        for (NDArray s : stateBefore) {
            s.attach(loop);
        }
        NDList lowersBefore = Vectors.copy(varying, loop);
        batches.add(batch);
        steps.add(new RecordedStep(paramsBefore, learningRate, lowersBefore, stateBefore, update,
                () -> cost.apply(batch)));
    }

    int recordedSteps() {
        return steps.size();
    }

    /** The loop so far, for a best-response product. */
    InnerLoop innerLoop() {
        return new InnerLoop(optimizer, varying, List.copyOf(steps));
    }
}
