package bad.enginenametaken;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

/** The user's own class, named like the wiring class the processor would generate. */
public class AEngine {
}
