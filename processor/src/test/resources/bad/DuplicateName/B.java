package bad.duplicatename;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

@Level(value = 2, name = "A") // <-- error
public class B extends TrainableStub {
    @TrainingStep
    public NDArray trainingStep(Batch batch) {
        return batch.getData().head();
    }
}
