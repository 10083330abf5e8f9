package good.threelevel;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

/** Level 3: reads Middle's optimum. */
@Level(3)
public class Outer extends TrainableStub {
    @Lower Middle middle;

    @TrainingStep
    public NDArray trainingStep(Batch batch) {
        return batch.getData().head();
    }
}
