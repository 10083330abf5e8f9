package org.betty4j.runtime.optim;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Optional;

/**
 * Updates parameters in place from their gradients. Called with gradient recording off; the
 * parameter arrays keep their identity (blocks keep pointing at them).
 *
 * <p>Memory contract: state that must outlive the step (momentum, moments) is created in
 * {@code stateManager}; every other array the update creates is freed when the step ends.
 */
public interface Optimizer {

    /**
     * One update. {@code params} and {@code grads} have the same length and shapes; the
     * optimizer keeps its state (momentum, moments) per position, in {@code stateManager}.
     */
    void step(NDList params, NDList grads, NDManager stateManager);

    /** Local updates done so far. */
    int updates();

    /** The current base learning rate. */
    float learningRate();

    /**
     * The update rule, for ITD_RMAD to differentiate through recorded updates; empty (the
     * default) for an optimizer whose rule the runtime cannot know.
     */
    default Optional<UpdateRule> updateRule() {
        return Optional.empty();
    }

    /**
     * Copies, in {@code manager}, of the state arrays the next update of {@code params} reads,
     * state array k of parameter i at {@code k·n + i} as {@link UpdateRule#apply} takes them
     * (zeros before the first update); empty for an optimizer without state.
     */
    default NDList stateCopies(NDList params, NDManager manager) {
        return new NDList();
    }

    /**
     * For a fused step that applies {@link #updateRule()} itself: the live state arrays of
     * {@code params} (created as zeros in {@code stateManager} before the first update), state
     * array k of parameter i at {@code k·n + i}, which the caller overwrites in place with the
     * rule's new state; the caller then calls {@link #countInPlaceUpdate()}. Empty (the default)
     * for an optimizer whose state the runtime cannot reach.
     */
    default Optional<NDList> inPlaceState(NDList params, NDManager stateManager) {
        return Optional.empty();
    }

    /** Counts one update applied in place to the arrays of {@link #inPlaceState}. */
    default void countInPlaceUpdate() {
        throw new UnsupportedOperationException(getClass().getName() + " has no in-place state");
    }

    /** Writes the state (update count, momentum, moments) for a checkpoint. */
    default void saveState(DataOutputStream out) throws IOException {
        throw new UnsupportedOperationException(getClass().getName()
                + " cannot be checkpointed: implement Optimizer.saveState/loadState");
    }

    /** Restores state written by {@link #saveState}; arrays go to {@code stateManager}. */
    default void loadState(DataInputStream in, NDManager stateManager) throws IOException {
        throw new UnsupportedOperationException(getClass().getName()
                + " cannot be restored from a checkpoint: implement Optimizer.saveState/loadState");
    }
}
