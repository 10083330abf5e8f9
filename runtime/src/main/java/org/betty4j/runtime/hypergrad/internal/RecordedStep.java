package org.betty4j.runtime.hypergrad.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.function.Supplier;

/**
 * One recorded optimizer update of an inner loop, what reverse-mode through it needs.
 *
 * @param paramsBefore θ before the update (detached copies)
 * @param learningRate η of this update
 * @param varyingBefore values, at this update, of other arrays the cost reads that changed during
 *     the loop (the parameters of the problem's own lower problems); empty when there are none
 * @param optimizerStateBefore the optimizer state the update rule reads before this update, as
 *     {@link UnrolledOptimizer#stateBefore} took it (empty for SGD, whose recurrence does not need it)
 * @param update the 1-based index of this update in the optimizer's life (Adam's bias correction)
 * @param cost evaluates this update's cost (on its batch) at the live parameters
 */
public record RecordedStep(NDList paramsBefore, double learningRate, NDList varyingBefore,
        NDList optimizerStateBefore, int update, Supplier<NDArray> cost) {

    /** A step of an optimizer that needs no state, whose cost reads nothing that changed during the loop. */
    public RecordedStep(NDList paramsBefore, double learningRate, Supplier<NDArray> cost) {
        this(paramsBefore, learningRate, new NDList(), new NDList(), 0, cost);
    }
}
