package org.betty4j.runtime.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.ParameterList;
import ai.djl.training.dataset.Batch;
import java.util.Map;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ParameterLists;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;
import org.betty4j.runtime.problem.Validating;

/**
 * One float64 scalar {@code w}, cost {@code (w - target)²}, plain SGD: after k steps with
 * learning rate η, {@code w_k = target + (1 - 2η)^k (w_0 - target)}, so losses are closed forms.
 * Reads {@code --lr} through {@link ProgramMain#learningRateKey} unless told to ignore it.
 */
final class QuadraticProblem implements Trainable, Validating {

    private final double initial;
    private final double target;
    private final float defaultLearningRate;
    private final boolean readsLearningRate;
    NDArray w;
    private Optimizer optimizer;

    QuadraticProblem(double initial, double target, float defaultLearningRate, boolean readsLearningRate) {
        this.initial = initial;
        this.target = target;
        this.defaultLearningRate = defaultLearningRate;
        this.readsLearningRate = readsLearningRate;
    }

    @Override
    public void setUp(ProblemContext context) {
        w = context.manager().create(new double[] {initial});
        float lr = readsLearningRate
                ? context.option(ProgramMain.learningRateKey(context.problemName())).map(Float::parseFloat)
                        .orElse(defaultLearningRate)
                : defaultLearningRate;
        optimizer = Sgd.builder().setLearningRate(lr).build();
    }

    Cost cost(Batch batch) {
        // the parameter before the step, as a per-step metric
        return Cost.of(w.sub(target).square().sum()).withMetric("w", w.toDoubleArray()[0]);
    }

    @Override
    public Map<String, Double> validate() {
        return Map.of("distance", Math.abs(w.toDoubleArray()[0] - target));
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
