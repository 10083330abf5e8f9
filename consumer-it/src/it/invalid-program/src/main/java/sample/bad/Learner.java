package sample.bad;

import ai.djl.nn.ParameterList;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.Level;
import org.betty4j.annotations.Lower;
import org.betty4j.annotations.TrainingStep;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;

/** Wrong on purpose: Learner and Tuner each declare the other @Lower, a cycle. */
@Level(1)
public class Learner implements Trainable {

    @Lower Tuner tuner;

    @TrainingStep
    public Cost trainingStep(Batch batch) {
        return Cost.of(batch.getData().head().sum());
    }

    @Override public void setUp(ProblemContext context) {}
    @Override public ParameterList parameters() { return new ParameterList(); }
    @Override public Optimizer optimizer() { return null; }
    @Override public BatchSource data() { return null; }
}
