package good.extremevalues;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

/** The smallest and largest values the rules allow must still generate valid literals. */
@Level(value = 1, unrollSteps = Integer.MAX_VALUE, warmupSteps = Integer.MAX_VALUE,
        gradientAccumulation = Integer.MAX_VALUE, clipGradNorm = Double.MAX_VALUE)
@Hypergrad(value = HypergradMethod.AID_CG, alpha = Double.MIN_VALUE, iterations = Integer.MAX_VALUE)
public class Low extends TrainableStub {
    @Upper High high;

    @TrainingStep
    public NDArray trainingStep(Batch batch) {
        return batch.getData().head();
    }
}
