package good.twolevel;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

import org.betty4j.runtime.problem.Cost;

@Level(2)
public class MetaWeightNet extends TrainableStub {
    @Lower Classifier classifier;

    @TrainingStep
    public Cost trainingStep(Batch batch) {
        return Cost.of(classifier.parameters().valueAt(0).getArray());
    }
}
