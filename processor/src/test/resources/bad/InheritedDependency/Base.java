package bad.inheriteddependency;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

/** Not a problem: its @Upper field would be inherited by A, and nothing would assign it. */
public abstract class Base extends TrainableStub {
    @Upper B b;
}
