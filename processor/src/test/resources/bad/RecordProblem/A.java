package bad.recordproblem;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

import ai.djl.nn.ParameterList;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;

@Level(1) // <-- error
public record A(int size) implements Trainable {
    public void setUp(ProblemContext context) {}
    public ParameterList parameters() { return new ParameterList(); }
    public Optimizer optimizer() { return null; }
    public BatchSource data() { return null; }

    @TrainingStep
    public NDArray trainingStep(Batch batch) {
        return batch.getData().head();
    }
}
