package bad.trainingstepparameternotinjected;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

@Level(1)
public class A extends TrainableStub {
    @TrainingStep
    public NDArray trainingStep(Batch batch, int step) { // <-- error
        return batch.getData().head();
    }
}
