package good.nameclashes;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

/** Named like the runtime's Program, which the wiring also uses. */
@Level(1)
public class Program extends TrainableStub {
    @Upper String string;

    @TrainingStep
    public NDArray trainingStep(Batch batch) {
        return batch.getData().head();
    }
}
