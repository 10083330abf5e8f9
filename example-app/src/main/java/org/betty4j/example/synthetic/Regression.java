package org.betty4j.example.synthetic;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.ParameterList;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.Level;
import org.betty4j.annotations.TrainingStep;
import org.betty4j.annotations.Upper;
import org.betty4j.runtime.cli.ProgramMain;
import org.betty4j.runtime.data.ArrayBatchSource;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ParameterLists;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;

/**
 * Level 1: ridge regression towards the prior mean θ of the upper problem,
 * {@code ½ mean((Xw − y)²) + (μ/2)‖w − θ‖²}, full batch, plain gradient descent (Sgd without
 * momentum, so ITD_RMAD can differentiate it), float64. The best-response method is chosen per run.
 */
@Level(value = 1, unrollSteps = 10)
public class Regression implements Trainable {

    @Upper
    Prior prior;

    private RidgeData problem;
    private NDArray w;
    private BatchSource data;
    private Optimizer optimizer;

    @Override
    public void setUp(ProblemContext context) {
        problem = SyntheticHpo.data(context);
        w = context.manager().zeros(new Shape(problem.features), DataType.FLOAT64);
        data = ArrayBatchSource.builder(
                        context.manager().create(RidgeData.flatten(problem.xTrain), new Shape(problem.trainRows, problem.features)),
                        context.manager().create(problem.yTrain))
                .optBatchSize(problem.trainRows).optShuffle(false).build();
        float lr = context.option(ProgramMain.learningRateKey(context.problemName())).map(Float::parseFloat).orElse(0.3f);
        optimizer = Sgd.builder().setLearningRate(lr).build();
    }

    @TrainingStep
    public Cost trainingStep(Batch batch) {
        NDArray x = batch.getData().head();
        NDArray y = batch.getLabels().head();
        NDArray fit = x.matMul(w).sub(y).square().mean().mul(0.5);
        NDArray penalty = w.sub(prior.theta()).square().sum().mul(0.5 * problem.mu);
        return Cost.of(fit.add(penalty));
    }

    public NDArray w() {
        return w;
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
        return data;
    }
}
