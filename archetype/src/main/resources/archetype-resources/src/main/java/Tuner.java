package ${package};

import ai.djl.ndarray.NDArray;
import ai.djl.nn.ParameterList;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.Level;
import org.betty4j.annotations.Lower;
import org.betty4j.annotations.TrainingStep;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ParameterLists;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;

/** Tunes the learner's weight decay on the validation half. */
@Level(2)
public class Tuner implements Trainable {

    @Lower Learner learner;

    NDArray decay;
    private BatchSource data;
    private final Optimizer optimizer = Sgd.builder().setLearningRate(0.5f).build();

    @Override
    public void setUp(ProblemContext context) {
        decay = context.manager().full(new ai.djl.ndarray.types.Shape(SyntheticData.FEATURES), 0.01f);
        data = SyntheticData.half(context.manager(), true);
    }

    @TrainingStep
    public Cost trainingStep(Batch batch) {
        return Cost.of(SyntheticData.bce(batch.getData().head(), batch.getLabels().head(), learner.weights));
    }

    @Override
    public ParameterList parameters() {
        return ParameterLists.of("decay", decay);
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
