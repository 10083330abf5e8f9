package bad.anonymousclass;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

/** A valid one-problem program: javac runs the processor for it, and the processor reads the whole compile. */
@Level(1)
public class Solo extends TrainableStub {
    @TrainingStep
    public NDArray trainingStep(Batch batch) {
        return batch.getData().head();
    }
}
