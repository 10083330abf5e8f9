package bad.hypergradalphainfinite;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

@Level(1)
@Hypergrad(value = HypergradMethod.AID_CG, alpha = Double.POSITIVE_INFINITY) // <-- error
public class A extends TrainableStub {
    @Upper B b;

    @TrainingStep
    public NDArray trainingStep(Batch batch) {
        return batch.getData().head();
    }
}
