package org.betty4j.runtime.problem;

import ai.djl.training.dataset.Batch;

/** A problem's training step as the engine calls it; the generated wiring adapts the user's method to it. */
@FunctionalInterface
public interface CostFunction {

    Cost compute(Batch batch);
}
