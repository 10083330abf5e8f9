package good.figureone;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

/**
 * Level 1 (Betty paper, Figure 1): trained on the top problem's current parameters; its
 * optimum feeds both level-2 problems.
 */
@Level(1)
@Hypergrad(value = HypergradMethod.AID_NEUMANN, alpha = 0.05, iterations = 5)
public class Base extends TrainableStub {
    @Upper Meta meta;

    @TrainingStep
    public NDArray trainingStep(Batch batch) {
        return batch.getData().head();
    }
}
