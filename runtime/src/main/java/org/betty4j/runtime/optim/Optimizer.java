package org.betty4j.runtime.optim;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

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
}
