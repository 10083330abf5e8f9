package org.betty4j.runtime.optim;

import ai.djl.ndarray.NDList;

/**
 * Updates parameters in place from their gradients. Called with gradient recording off; the
 * parameter arrays keep their identity (blocks keep pointing at them).
 */
public interface Optimizer {

    /**
     * One update. {@code params} and {@code grads} have the same length and shapes; the
     * optimizer keeps its state (momentum, moments) per position.
     */
    void step(NDList params, NDList grads);

    /** Local updates done so far. */
    int updates();

    /** The current base learning rate. */
    float learningRate();
}
