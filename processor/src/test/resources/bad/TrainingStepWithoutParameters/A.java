package bad.trainingstepwithoutparameters;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

@Level(1)
public class A extends TrainableStub {
    @TrainingStep // <-- error
    public NDArray trainingStep() {
        return null;
    }
}
