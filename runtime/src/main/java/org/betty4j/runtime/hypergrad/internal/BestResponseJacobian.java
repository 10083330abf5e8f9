package org.betty4j.runtime.hypergrad.internal;

import ai.djl.ndarray.NDList;
import ai.djl.training.dataset.Batch;
import java.util.Map;

/**
 * A hypergradient method for one problem {@code curr}: its best-response Jacobian product,
 * which carries a vector {@code v}, shaped like {@code curr}'s parameters, to the parameters of
 * {@code prev}, a problem whose parameters {@code curr}'s cost uses:
 * {@code (∂θ*_curr/∂θ_prev)ᵀ v}; and the lifecycle the engine runs it through, without knowing
 * which method it is:
 *
 * <ol>
 *   <li>{@link #validate} when the engine is built (refuse settings the method cannot honour);
 *   <li>{@link #attach} when the run starts;
 *   <li>{@link #onInnerLoopStart} when an inner loop of {@code curr} starts;
 *   <li>{@link #update} for each update of {@code curr} (runs it, may observe it);
 *   <li>{@link #apply} when an upper problem's hypergradient passes through {@code curr}, then
 *       {@link #lastDiagnostics};
 *   <li>{@link #holds} / {@link #release} for the batches the method keeps alive.
 * </ol>
 *
 * <p>Products use only {@link org.betty4j.runtime.autograd.Autograd} and the context. A new
 * method is a new implementation and a line in {@link Hypergradients}; the engine does not change.
 */
public interface BestResponseJacobian {

    NDList apply(NDList v, JacobianContext context);

    /**
     * Numbers describing the last product (AID_CG's residual, AID_NEUMANN's last term, the
     * updates ITD_RMAD went through), which the engine adds to the upper problem's step metrics
     * as {@code <problem>.<name>}; empty by default.
     */
    default Map<String, Double> lastDiagnostics() {
        return Map.of();
    }

    /**
     * Called once when the engine is built: throws, naming the problem and the fix, for
     * settings this method cannot differentiate. Accepts everything by default.
     */
    default void validate(ProblemSettings settings) {}

    /** Called once when the run starts, before the problem's first step. */
    default void attach(ProblemBinding binding) {}

    /**
     * Called when an inner loop of the problem starts; {@code lastBatch} is the problem's current
     * batch (null before its first step), which its owner closes when the next one arrives
     * unless {@link #holds} it.
     */
    default void onInnerLoopStart(Batch lastBatch) {}

    /**
     * Runs one update: {@link InnerUpdate#afterGradients()}, {@link InnerUpdate#step()},
     * {@link InnerUpdate#afterUpdate()}, each once and in that order; a method that must see the
     * update (ITD_RMAD records it) observes the arrays between the parts.
     */
    default void update(InnerUpdate update) {
        update.afterGradients();
        update.step();
        update.afterUpdate();
    }

    /** Whether the method keeps {@code batch} alive (its owner must not close it). */
    default boolean holds(Batch batch) {
        return false;
    }

    /** Frees what the method holds, except {@code keep} (closed by its owner). */
    default void release(Batch keep) {}
}
