package org.betty4j.runtime.autograd;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * First-order gradient paths the facade is measured against (OpBenchmark) and checked against
 * (tests): DJL's own backward, and the named-list call (one {@code forward} method called
 * through {@code IValueUtils.forward}, arrays packed into lists by their names, the
 * {@code create_graph} flag as a tensor, an explicit seed of ones).
 */
public final class GradientPaths {

    private static final String NAMED_CLASS = "BettyAutogradNamed";
    private static final String NAMED_CODE = String.join("\n",
            "class " + NAMED_CLASS + "(Module):",
            "  __parameters__ = []",
            "  __buffers__ = []",
            "  training : bool",
            "  def forward(self: __torch__." + NAMED_CLASS + ",",
            "    outputs: List[Tensor],",
            "    inputs: List[Tensor],",
            "    grad_outputs: List[Tensor],",
            "    create_graph: Tensor) -> List[Tensor]:",
            "    seeds = annotate(List[Optional[Tensor]], [])",
            "    for g in grad_outputs:",
            "      seeds.append(g)",
            "    grads = torch.autograd.grad(outputs, inputs, seeds, True, bool(create_graph), True)",
            "    result = annotate(List[Tensor], [])",
            "    for i in range(len(inputs)):",
            "      g = grads[i]",
            "      if g is None:",
            "        result.append(torch.zeros_like(inputs[i]))",
            "      else:",
            "        result.append(g)",
            "    return result",
            "");

    private static PtSymbolBlock named;

    private GradientPaths() {}

    /**
     * The gradient through DJL's backward, written out by hand: zeroes {@code .grad} of
     * {@code leaves} (the inputs and every other leaf the graph reaches), accumulates into
     * {@code .grad} of every leaf of the graph, reads (copies) the inputs' and zeroes the leaves
     * again, so nothing accumulates across calls.
     */
    public static NDList djlBackward(NDArray scalar, NDList inputs, NDList leaves, boolean retainGraph) {
        for (NDArray leaf : leaves) {
            JniUtils.zeroGrad((PtNDArray) leaf);
        }
        try (NDArray seed = scalar.onesLike()) {
            JniUtils.backward((PtNDArray) scalar, (PtNDArray) seed, retainGraph, false);
        }
        NDList result = new NDList(inputs.size());
        for (NDArray in : inputs) {
            try (PtNDArray g = JniUtils.getGradient((PtNDArray) in)) {
                NDArray copy = g.duplicate();
                copy.attach(scalar.getManager());
                result.add(copy);
            }
        }
        for (NDArray leaf : leaves) {
            JniUtils.zeroGrad((PtNDArray) leaf);
        }
        return result;
    }

    /** The TorchScript facade's first-order gradient, also for leaves (no graph kept). */
    public static NDList scriptGrad(NDArray scalar, NDList inputs) {
        return Autograd.get().scriptGrad(scalar, inputs, false);
    }

    /** The named-list call: names, a flag tensor and a seed tensor per call. */
    public static NDList namedFacade(NDArray scalar, NDList inputs) {
        PtSymbolBlock module = namedModule();
        NDArray seed = scalar.onesLike();
        NDArray flag = scalar.getManager().create(false);
        NDList packed = new NDList();
        try {
            String name = scalar.getName();
            scalar.setName("outputs[]");
            packed.add(scalar);
            String[] names = new String[inputs.size()];
            for (int i = 0; i < inputs.size(); i++) {
                names[i] = inputs.get(i).getName();
                inputs.get(i).setName("inputs[]");
                packed.add(inputs.get(i));
            }
            seed.setName("grad_outputs[]");
            packed.add(seed);
            packed.add(flag);
            try {
                return IValueUtils.forward(module, packed, true);
            } finally {
                scalar.setName(name);
                for (int i = 0; i < inputs.size(); i++) {
                    inputs.get(i).setName(names[i]);
                }
            }
        } finally {
            seed.close();
            flag.close();
        }
    }

    private static synchronized PtSymbolBlock namedModule() {
        if (named == null) {
            PtNDManager system = (PtNDManager) Engine.getEngine("PyTorch").newBaseManager();
            try {
                Path file = Files.createTempFile("betty4j-autograd-named-", ".pt");
                try {
                    TorchScriptGradModule.write(file, NAMED_CLASS, NAMED_CODE);
                    named = JniUtils.loadModule(system, file, true, new String[0], new String[0], true);
                } finally {
                    Files.deleteIfExists(file);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return named;
    }
}
