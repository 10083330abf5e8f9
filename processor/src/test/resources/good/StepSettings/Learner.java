package good.stepsettings;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

@Level(value = 1, unrollSteps = 2, warmupSteps = 10, gradientAccumulation = 4, clipGradNorm = 2.5)
public class Learner extends TrainableStub {
    @Upper Tuner tuner;

    @TrainingStep
    public NDArray trainingStep(Batch batch) {
        return batch.getData().head();
    }
}
