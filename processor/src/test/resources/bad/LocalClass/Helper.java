package bad.localclass;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

public class Helper {
    static Object make() {
        @Level(1) // <-- error
        class Local extends TrainableStub {
            @TrainingStep
            public NDArray trainingStep(Batch batch) {
                return batch.getData().head();
            }
        }
        return new Local();
    }
}
