package bad.hypergradnotonpath;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

@Level(2)
@Hypergrad(HypergradMethod.AID_CG) // <-- error
public class B extends TrainableStub {
    @Lower A a;

    @TrainingStep
    public NDArray trainingStep(Batch batch) {
        return batch.getData().head();
    }
}
