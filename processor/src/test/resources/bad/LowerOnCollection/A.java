package bad.loweroncollection;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

import java.util.List;

@Level(2)
public class A extends TrainableStub {
    @Lower List<B> lowers; // <-- error

    @TrainingStep
    public NDArray trainingStep(Batch batch) {
        return batch.getData().head();
    }
}
