package org.betty4j.processor.bench;

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

/**
 * The problems of the scale benchmark's generated programs: one float64 scalar {@code w},
 * cost {@code w² + Σ_d (w - 0.5·w_d)²} over the problems {@code d} whose parameters it reads,
 * plain SGD. Small, but real: every edge the annotations declare is a real dependency of a
 * cost, so a run differentiates through all of them.
 */
public abstract class ScalarProblem implements Trainable {

    private NDArray w;
    private Optimizer optimizer;

    @Override
    public void setUp(ProblemContext context) {
        w = context.manager().create(new double[] {0.1 * (1 + context.problemName().length() % 7)});
        optimizer = Sgd.builder().setLearningRate(0.05f).build();
    }

    /** The cost reading the parameters of {@code others}. */
    protected NDArray cost(ScalarProblem... others) {
        NDArray total = w.square().sum();
        for (ScalarProblem other : others) {
            total = total.add(w.sub(other.w.mul(0.5)).square().sum());
        }
        return total;
    }

    @Override
    public ParameterList parameters() {
        return ParameterLists.of("w", w);
    }

    @Override
    public Optimizer optimizer() {
        return optimizer;
    }

    @Override
    public BatchSource data() {
        return new BatchSource() {
            private int served;

            @Override
            public Batch next(NDManager parent) {
                NDManager m = parent.newSubManager();
                served++;
                NDList placeholder = new NDList(m.zeros(new Shape(1)));
                return new Batch(m, placeholder, placeholder, 1, null, null, served, 0);
            }

            @Override
            public int epoch() {
                return 0;
            }
        };
    }
}
