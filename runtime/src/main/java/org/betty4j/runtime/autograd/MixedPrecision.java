package org.betty4j.runtime.autograd;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Mixed precision on DJL's PyTorch engine: parameters and activations stay FLOAT32 (the master
 * copy the optimizer updates), and the matrix products run in BFLOAT16 or FLOAT16, as
 * PyTorch's autocast does for {@code linear}.
 *
 * <p>DJL 0.36's PyTorch JNI maps no bf16 type: a bf16 array in Java aborts the JVM. So the casts
 * happen inside a TorchScript module the runtime writes (like the autograd facade's): it casts
 * its FLOAT32 inputs to the compute type, runs {@code torch.linear}, and casts the result back,
 * so Java only ever sees FLOAT32 arrays, and autograd differentiates through the casts (the
 * gradient reaches the FLOAT32 parameters in FLOAT32; second order works too).
 */
public final class MixedPrecision {

    private static final String CLASS_NAME = "BettyLowPrecisionLinear";
    /** c10::ScalarType codes. */
    private static final int HALF = 5;
    private static final int FLOAT = 6;
    private static final int BFLOAT16 = 15;

    private static final String CODE = String.join("\n",
            "class " + CLASS_NAME + "(Module):",
            "  __parameters__ = []",
            "  __buffers__ = []",
            "  training : bool",
            "  def forward(self: __torch__." + CLASS_NAME + ", x: Tensor, weight: Tensor, bias: Tensor,"
                    + " compute: int) -> Tensor:",
            "    y = torch.linear(torch.to(x, compute), torch.to(weight, compute), torch.to(bias, compute))",
            "    return torch.to(y, " + FLOAT + ")",
            "");

    private static ModuleCall module;
    // the compute-type codes passed to every call, created once with the module
    private static IValue bfloat16Code;
    private static IValue halfCode;

    private MixedPrecision() {}

    private static synchronized ModuleCall module() {
        if (module == null) {
            PtNDManager system = (PtNDManager) Engine.getEngine("PyTorch").newBaseManager();
            try {
                Path file = Files.createTempFile("betty4j-mixed-precision-", ".pt");
                try {
                    TorchScriptGradModule.write(file, CLASS_NAME, CODE);
                    PtSymbolBlock block = JniUtils.loadModule(system, file, true, new String[0], new String[0], true);
                    bfloat16Code = IValue.from((long) BFLOAT16);
                    halfCode = IValue.from((long) HALF);
                    module = new ModuleCall(block);
                } finally {
                    Files.deleteIfExists(file);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not write the mixed-precision TorchScript module to the temp "
                        + "directory", e);
            }
        }
        return module;
    }

    /** Whether {@code compute} is a type this class computes in: BFLOAT16 or FLOAT16. */
    public static boolean isLowPrecision(DataType compute) {
        return compute == DataType.BFLOAT16 || compute == DataType.FLOAT16;
    }

    /**
     * {@code x · weightᵀ + bias} computed in {@code compute} from FLOAT32 arrays, returned in
     * FLOAT32; differentiable. With {@code compute} FLOAT32 it is DJL's own linear.
     *
     * @param bias the bias, or null for none
     */
    public static NDArray linear(NDArray x, NDArray weight, NDArray bias, DataType compute) {
        if (compute == DataType.FLOAT32) {
            NDArray product = x.matMul(weight.transpose());
            return bias == null ? product : product.add(bias);
        }
        if (!isLowPrecision(compute)) {
            throw new IllegalArgumentException("mixed-precision compute type " + compute.name()
                    + " is not supported; use BFLOAT16, FLOAT16 or FLOAT32");
        }
        for (NDArray a : bias == null ? List.of(x, weight) : List.of(x, weight, bias)) {
            if (a.getDataType() != DataType.FLOAT32) {
                throw new IllegalArgumentException("mixed precision keeps inputs and parameters in FLOAT32 (the master"
                        + " copy) and computes in " + compute.name() + "; got a " + a.getDataType().name() + " array of shape "
                        + a.getShape() + ": create parameters and data in FLOAT32");
            }
        }
        NDManager m = x.getManager();
        NDArray b = bias == null ? m.zeros(new ai.djl.ndarray.types.Shape(weight.getShape().get(0))) : bias;
        ModuleCall call = module();
        IValue code = compute == DataType.BFLOAT16 ? bfloat16Code : halfCode;
        try (IValue xv = IValue.from((PtNDArray) x);
                IValue wv = IValue.from((PtNDArray) weight);
                IValue bv = IValue.from((PtNDArray) b)) {
            return call.tensor("forward", (PtNDManager) m, xv, wv, bv, code);
        }
    }

    /**
     * A {@link SequentialBlock}'s forward pass with every {@link Linear} computed in
     * {@code compute} by {@link #linear}; blocks without parameters (activations, flatten)
     * run as usual in FLOAT32. Any other block with parameters is refused by name.
     */
    public static NDArray forward(SequentialBlock block, ParameterStore store, NDArray x, boolean training,
            DataType compute) {
        NDArray out = x;
        for (Pair<String, Block> child : block.getChildren()) {
            Block b = child.getValue();
            if (b instanceof Linear) {
                Device device = out.getDevice();
                NDArray weight = null;
                NDArray bias = null;
                for (Pair<String, Parameter> p : b.getParameters()) {
                    NDArray value = store.getValue(p.getValue(), device, training);
                    if (p.getKey().equals("weight")) {
                        weight = value;
                    } else if (p.getKey().equals("bias")) {
                        bias = value;
                    }
                }
                out = linear(out, weight, bias, compute);
            } else if (b.getParameters().isEmpty()) {
                out = b.forward(store, new NDList(out), training).singletonOrThrow();
            } else {
                throw new IllegalArgumentException("mixed precision runs Linear layers and parameterless blocks; block '"
                        + child.getKey() + "' (" + b.getClass().getSimpleName() + ") has parameters: compute in"
                        + " FLOAT32, or write its forward with MixedPrecision.linear");
            }
        }
        return out;
    }

    /**
     * Computes a small product and its first and second derivatives in {@code compute} on the
     * manager's device; fails with a message naming the type and the device where that is not
     * supported.
     */
    public static void check(NDManager manager, DataType compute) {
        if (!isLowPrecision(compute)) {
            throw new IllegalArgumentException("mixed-precision compute type " + compute.name()
                    + " is not supported; use BFLOAT16 or FLOAT16");
        }
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.ones(new ai.djl.ndarray.types.Shape(2, 4));
            NDArray w = m.ones(new ai.djl.ndarray.types.Shape(3, 4));
            w.setRequiresGradient(true);
            try (ai.djl.training.GradientCollector recording = m.getEngine().newGradientCollector()) {
                NDArray y = linear(x, w, null, compute).square().sum();
                NDList g = Autograd.get().grad(y, new NDList(w), true);
                Autograd.get().hvp(g, new NDList(w), new NDList(m.ones(w.getShape())), false);
            }
        } catch (EngineException | UnsupportedOperationException e) {
            throw new IllegalStateException("mixed precision with " + compute.name() + " compute is not supported on "
                    + manager.getDevice() + " by this PyTorch engine (" + e.getMessage() + "); use FLOAT32", e);
        }
    }
}
