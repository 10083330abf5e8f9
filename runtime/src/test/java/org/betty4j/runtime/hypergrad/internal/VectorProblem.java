package org.betty4j.runtime.hypergrad.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.ParameterList;
import ai.djl.training.dataset.Batch;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.ParameterLists;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;

/** A problem with one float64 parameter vector, SGD (optionally with momentum) and a data-free cost. */
class VectorProblem implements Trainable {

    private final double[] initial;
    private final float learningRate;
    private final float momentum;
    NDArray theta;
    private Optimizer optimizer;

    VectorProblem(double[] initial, float learningRate) {
        this(initial, learningRate, 0);
    }

    VectorProblem(double[] initial, float learningRate, float momentum) {
        this.initial = initial.clone();
        this.learningRate = learningRate;
        this.momentum = momentum;
    }

    @Override
    public void setUp(ProblemContext context) {
        theta = context.manager().create(initial);
        optimizer = Sgd.builder().setLearningRate(learningRate).optMomentum(momentum).build();
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
        return new PlaceholderBatches();
    }

    /** One-element batches: the costs here read no data. */
    private static final class PlaceholderBatches implements BatchSource {
        private int served;

        @Override
        public Batch next(NDManager parent) {
            NDManager m = parent.newSubManager();
            served++;
            return new Batch(m, new NDList(m.zeros(new Shape(1))), new NDList(m.zeros(new Shape(1))), 1, null, null,
                    served, 0);
        }

        @Override
        public int epoch() {
            return 0;
        }
    }
}
