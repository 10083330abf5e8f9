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

@Level(2)
public class Tuner implements Trainable {

    @Lower Learner learner;

    @TrainingStep
    public Cost trainingStep(Batch batch) {
        return Cost.of(batch.getData().head().sum());
    }

    @Override public void setUp(ProblemContext context) {}
    @Override public ParameterList parameters() { return new ParameterList(); }
    @Override public Optimizer optimizer() { return null; }
    @Override public BatchSource data() { return null; }
}
