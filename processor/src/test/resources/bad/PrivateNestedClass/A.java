package bad.privatenestedclass;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

public class A {
    @Level(1) // <-- error
    private static class Hidden extends TrainableStub {
        @TrainingStep
        public NDArray trainingStep(Batch batch) {
            return batch.getData();
        }
    }
}
