package bad.clipnorminfinite;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

@Level(value = 1, clipGradNorm = Double.POSITIVE_INFINITY) // <-- error
public class A extends TrainableStub {
    @TrainingStep
    public NDArray trainingStep(Batch batch) {
        return batch.getData().head();
    }
}
