package good.threelevel;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

/** Level 2: reads Inner's optimum; constructed with it. */
@Level(value = 2, unrollSteps = 2)
public class Middle extends TrainableStub {
    private final Inner inner;

    public Middle(@Lower Inner inner) {
        this.inner = inner;
    }

    @TrainingStep
    public NDArray trainingStep(Batch batch) {
        return batch.getData().head();
    }
}
