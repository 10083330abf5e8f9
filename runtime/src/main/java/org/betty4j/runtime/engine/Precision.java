package org.betty4j.runtime.engine;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Set;
import org.betty4j.runtime.autograd.Autograd;

/** Which floating types a run may use, checked on the device before any work. */
final class Precision {

    private static final Set<DataType> FLOATING =
            Set.of(DataType.FLOAT16, DataType.BFLOAT16, DataType.FLOAT32, DataType.FLOAT64);

    private Precision() {}

    static DataType requireFloating(DataType type) {
        if (!FLOATING.contains(type)) {
            throw new IllegalArgumentException("precision " + type.name() + " is not a floating-point type; use one of "
                    + "FLOAT32 (default), FLOAT64, FLOAT16 (BFLOAT16 where the engine supports it)");
        }
        return type;
    }

    /**
     * Runs a matrix product, a softmax and second-order autograd in {@code type} on the
     * manager's device; fails with a clear message where the engine cannot.
     */
    static void check(NDManager parent, DataType type) {
        if (type == DataType.FLOAT32 || type == DataType.FLOAT64) {
            return;
        }
        if (type == DataType.BFLOAT16 && "PyTorch".equals(parent.getEngine().getEngineName())) {
            // DJL's PyTorch JNI maps no bf16 scalar type: creating or casting to it aborts the
            // whole JVM ("terminate called without an active exception"), so refuse up front
            throw new IllegalStateException("precision BFLOAT16 for parameters and data is not supported by DJL's "
                    + "PyTorch engine " + parent.getEngine().getVersion() + " (its native layer has no bf16 type; any "
                    + "bf16 array aborts the JVM); for bf16 compute use mixed precision, "
                    + "EngineConfig.optMixedPrecision(BFLOAT16), which keeps FLOAT32 parameters; or FLOAT16, or FLOAT32");
        }
        try (NDManager m = parent.newSubManager()) {
            NDArray x = m.ones(new Shape(4, 4), type);
            x.setRequiresGradient(true);
            try (GradientCollector recording = m.getEngine().newGradientCollector()) {
                NDArray y = x.matMul(x).logSoftmax(1).sum();
                NDList g = Autograd.get().grad(y, new NDList(x), true);
                Autograd.get().hvp(g, new NDList(x), new NDList(m.ones(new Shape(4, 4), type)), false);
            }
        } catch (EngineException | UnsupportedOperationException e) {
            throw new IllegalStateException("precision " + type + " is not supported on " + parent.getDevice()
                    + " by this PyTorch engine (" + e.getMessage() + "); use FLOAT32", e);
        }
    }
}
