package good.nameclashes;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

/** Named like the runtime's Engine; its level-2 lower reads {@code batch} as a field name. */
@Level(3)
public class Engine extends TrainableStub {
    @Lower String batch;

    @TrainingStep
    public NDArray trainingStep(Batch batch) {
        return batch.getData().head();
    }
}
