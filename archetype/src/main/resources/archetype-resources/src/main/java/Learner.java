package ${package};

import ai.djl.ndarray.NDArray;
import ai.djl.nn.ParameterList;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.Level;
import org.betty4j.annotations.TrainingStep;
import org.betty4j.annotations.Upper;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ParameterLists;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;

/** Logistic regression with the tuner's per-feature weight decay. */
@Level(value = 1, unrollSteps = 5)
public class Learner implements Trainable {

    @Upper Tuner tuner;

    NDArray weights;
    private BatchSource data;
    private final Optimizer optimizer = Sgd.builder().setLearningRate(0.1f).build();

    @Override
    public void setUp(ProblemContext context) {
        weights = context.manager().zeros(new ai.djl.ndarray.types.Shape(SyntheticData.FEATURES));
        data = SyntheticData.half(context.manager(), false);
    }

    @TrainingStep
    public Cost trainingStep(Batch batch) {
        NDArray fit = SyntheticData.bce(batch.getData().head(), batch.getLabels().head(), weights);
        NDArray decay = tuner.decay.mul(weights.square()).sum().mul(0.5f);
        return Cost.of(fit.add(decay));
    }

    @Override
    public ParameterList parameters() {
        return ParameterLists.of("weights", weights);
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
