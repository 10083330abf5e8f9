package good.figureone;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

/**
 * Level 3: reads both level-2 optima; its parameters are used by Base, so its hypergradient
 * flows back along two paths: Meta, Left, Base, Meta and Meta, Right, Base, Meta.
 */
@Level(3)
public class Meta extends TrainableStub {
    private final Left left;
    @Lower Right right;

    Meta(@Lower Left left) {
        this.left = left;
    }

    @TrainingStep
    public NDArray trainingStep(Batch batch) {
        return batch.getData().head();
    }
}
