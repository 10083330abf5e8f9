package bad.strayconstructor;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

@Level(1)
public class A extends TrainableStub {
    @Upper B b;

    A() {}

    A(@Upper B b, @Upper B other) { // <-- error
        this.b = b;
    }

    @TrainingStep
    public NDArray trainingStep(Batch batch) {
        return batch.getData().head();
    }
}
