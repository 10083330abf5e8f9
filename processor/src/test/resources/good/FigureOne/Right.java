package good.figureone;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

/** Level 2: like Left, a second route from the base optimum up to the top problem. */
@Level(2)
@Hypergrad(value = HypergradMethod.ITD_RMAD, firstOrder = true)
public class Right extends TrainableStub {
    @Lower Base base;

    @TrainingStep
    public NDArray trainingStep(Batch batch) {
        return batch.getData().head();
    }
}
