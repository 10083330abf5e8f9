package bad.trainingstepreturnsndlist;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

import ai.djl.ndarray.NDList;

@Level(1)
public class A extends TrainableStub {
    @TrainingStep // <-- error
    public NDList trainingStep(Batch batch) {
        return batch.getData();
    }
}
