package org.betty4j.runtime.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.ParameterList;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;

/** A {@link ToyProblem} behind a Trainable whose callbacks tests can override. */
class ToyProblemDelegate implements Trainable {

    private final ToyProblem toy;

    ToyProblemDelegate(double[] initial, float lr) {
        this.toy = new ToyProblem(initial, lr);
    }

    /** This object as the problem's Trainable (so the callbacks are the overridden ones). */
    Trainable toy() {
        return this;
    }

    NDArray theta() {
        return toy.theta;
    }

    @Override
    public void setUp(ProblemContext context) {
        toy.setUp(context);
    }

    @Override
    public ParameterList parameters() {
        return toy.parameters();
    }

    @Override
    public Optimizer optimizer() {
        return toy.optimizer();
    }

    @Override
    public BatchSource data() {
        return toy.data();
    }
}
