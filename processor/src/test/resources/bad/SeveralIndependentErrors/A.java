package bad.severalindependenterrors;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

@Level(1)
@Hypergrad(value = HypergradMethod.ITD_RMAD, iterations = 2) // <-- error
public class A extends TrainableStub {
    @Upper private B b; // <-- error

    @TrainingStep // <-- error
    public static NDArray trainingStep(Batch batch) {
        return batch.getData();
    }
}
