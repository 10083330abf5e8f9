package bad.twoinjectingconstructors;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

@Level(1) // <-- error
public class A extends TrainableStub {
    final B b;

    A(@Upper B b) {
        this.b = b;
    }

    A(@Upper B b, @Upper B other) {
        this.b = b;
    }

    @TrainingStep
    public NDArray trainingStep(Batch batch) {
        return batch.getData().head();
    }
}
