package good.figureone;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

import org.betty4j.runtime.problem.Cost;

/** Level 2: reads the base optimum; its own optimum feeds the top problem. */
@Level(value = 2, unrollSteps = 3)
public class Left extends TrainableStub {
    @TrainingStep
    public Cost trainingStep(Batch batch, @Lower Base base) {
        return Cost.of(batch.getData().head()).withMetric("left", 1);
    }
}
