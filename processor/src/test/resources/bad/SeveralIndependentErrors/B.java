package bad.severalindependenterrors;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

@Level(2)
public class B extends TrainableStub {
    @Lower A a;

    @TrainingStep // <-- error
    public double trainingStep(Batch batch) {
        return 0;
    }
}
