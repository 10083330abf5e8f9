package good.threelevel;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

/** Level 1: its cost uses Middle's and Outer's current parameters. */
@Level(value = 1, unrollSteps = 5)
@Hypergrad(value = HypergradMethod.AID_CG, iterations = 4)
public class Inner extends TrainableStub {
    @Upper Middle middle;

    @TrainingStep
    public NDArray trainingStep(Batch batch, @Upper Outer outer) {
        return batch.getData().head();
    }
}
