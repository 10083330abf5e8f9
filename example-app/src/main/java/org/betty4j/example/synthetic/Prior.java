package org.betty4j.example.synthetic;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.ParameterList;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.Level;
import org.betty4j.annotations.Lower;
import org.betty4j.annotations.TrainingStep;
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
 * Level 2: the hyperparameter, a prior mean θ (one per feature) for the ridge regression; its cost is
 * the validation error {@code ½ mean((X_v w − y_v)²)} at the regression's (approximate) optimum.
 * Starts at θ = 0 (plain ridge); gradient descent.
 */
@Level(2)
public class Prior implements Trainable {

    @Lower
    Regression regression;

    private NDArray theta;
    private BatchSource data;
    private Optimizer optimizer;

    @Override
    public void setUp(ProblemContext context) {
        RidgeData problem = SyntheticHpo.data(context);
        theta = context.manager().zeros(new Shape(problem.features), DataType.FLOAT64);
        data = ArrayBatchSource.builder(
                        context.manager().create(RidgeData.flatten(problem.xVal),
                                new Shape(problem.validationRows, problem.features)),
                        context.manager().create(problem.yVal))
                .optBatchSize(problem.validationRows).optShuffle(false).build();
        float lr = context.option(ProgramMain.learningRateKey(context.problemName())).map(Float::parseFloat).orElse(1f);
        optimizer = Sgd.builder().setLearningRate(lr).build();
    }

    @TrainingStep
    public Cost trainingStep(Batch batch) {
        NDArray x = batch.getData().head();
        NDArray y = batch.getLabels().head();
        return Cost.of(x.matMul(regression.w()).sub(y).square().mean().mul(0.5));
    }

    public NDArray theta() {
        return theta;
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
        return data;
    }
}
