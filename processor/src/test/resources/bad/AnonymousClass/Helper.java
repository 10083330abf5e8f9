package bad.anonymousclass;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.*;
import org.betty4j.processor.testing.TrainableStub;

public class Helper {
    static Object make() {
        return new Object() {
            @Upper Helper helper; // <-- error
        };
    }
}
