package bad.hypergradoutsideproblem;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

@Hypergrad(HypergradMethod.AID_FD) // <-- error
public class A extends TrainableStub {
}
