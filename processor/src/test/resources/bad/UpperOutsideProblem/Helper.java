package bad.upperoutsideproblem;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

/** Not a problem: its @Upper would never be wired. */
public class Helper {
    @Upper B b; // <-- error
}
