package good.nameclashes;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

/** Named like java.lang.String, which the wiring also uses. */
@Level(2)
public class String extends TrainableStub {
    @Lower Program program;
    @Upper Engine engine;

    @TrainingStep
    public NDArray trainingStep(Batch batch) {
        return batch.getData().head();
    }
}
