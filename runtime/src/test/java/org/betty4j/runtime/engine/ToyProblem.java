package org.betty4j.runtime.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.ParameterList;
import ai.djl.training.dataset.Batch;
import java.util.function.Function;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.ParameterLists;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;

/**
 * A problem with one float64 parameter vector and a data-free cost, for engine tests whose
 * expected values are closed forms.
 */
final class ToyProblem implements Trainable {

    private final double[] initial;
    private final float learningRate;
    NDArray theta;
    private Optimizer optimizer;

    ToyProblem(double[] initial, float learningRate) {
        this.initial = initial;
        this.learningRate = learningRate;
    }

    @Override
    public void setUp(ProblemContext context) {
        theta = context.manager().create(initial);
        optimizer = Sgd.builder().setLearningRate(learningRate).build();
    }

    @Override
    public ParameterList parameters() {
        return ParameterLists.of("theta", theta);
    }

    @Override
    public Optimizer optimizer() {
        return optimizer;
    }

    @Override
    public BatchSource data() {
        return new EmptyBatches();
    }

    /** A problem node whose cost is {@code cost(theta)} of other problems' arrays. */
    static ProblemNode node(String name, int level, org.betty4j.runtime.problem.Trainable problem, int unroll, Function<Batch, NDArray> cost) {
        return ProblemNode.builder(name, level, problem)
                .costFunction(batch -> org.betty4j.runtime.problem.Cost.of(cost.apply(batch)))
                .optUnrollSteps(unroll)
                .build();
    }

    /** Batches with a single placeholder array: the toy costs do not read data. */
    static final class EmptyBatches implements BatchSource {
        private int served;

        @Override
        public Batch next(NDManager parent) {
            NDManager m = parent.newSubManager();
            served++;
            return new Batch(m, new NDList(m.zeros(new ai.djl.ndarray.types.Shape(1))),
                    new NDList(m.zeros(new ai.djl.ndarray.types.Shape(1))), 1, null, null, served, 0);
        }

        @Override
        public int epoch() {
            return 0;
        }

        @Override
        public byte[] saveState() {
            return java.nio.ByteBuffer.allocate(Integer.BYTES).putInt(served).array();
        }

        @Override
        public void restoreState(byte[] state) {
            served = java.nio.ByteBuffer.wrap(state).getInt();
        }
    }
}
