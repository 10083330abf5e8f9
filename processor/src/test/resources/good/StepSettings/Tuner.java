package good.stepsettings;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

// only clipping set: the generated node carries clipping and nothing else non-default
@Level(value = 2, clipGradNorm = 1)
public class Tuner extends TrainableStub {
    @Lower Learner learner;

    @TrainingStep
    public NDArray trainingStep(Batch batch) {
        return learner.parameters().valueAt(0).getArray();
    }
}
