package org.betty4j.runtime.autograd;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one autograd facade of the runtime: gradients, vector-Jacobian and Hessian-vector
 * products over lists of arrays, exact to any order and leak-free. Every hypergradient method
 * uses only this class.
 *
 * <p>It calls libtorch's functional {@code torch.autograd.grad} through a TorchScript module
 * the runtime writes itself (see runtime/AUTOGRAD.md): gradients are returned, never
 * accumulated into {@code .grad}, so no reference cycle keeps graphs alive.
 *
 * <p>Results live in the manager of {@code outputs[0]}: compute the cost inside a step's
 * sub-manager and everything the products create closes with it. Graphs are always retained
 * (several products may be taken from one cost); they are freed when their arrays are closed.
 * Call under gradient recording (a {@code GradientCollector} or {@link GradMode#enabled()})
 * when {@code createGraph} is true.
 */
public final class Autograd {

    private static Autograd instance;

    private final PtSymbolBlock module;

    private Autograd(PtSymbolBlock module) {
        this.module = module;
    }

    /** The process-wide facade; the module is written and loaded on first use. */
    public static synchronized Autograd get() {
        if (instance == null) {
            instance = new Autograd(loadModule());
        }
        return instance;
    }

    private static PtSymbolBlock loadModule() {
        Engine engine = Engine.getEngine("PyTorch");
        PtNDManager system = (PtNDManager) engine.newBaseManager();
        try {
            Path file = Files.createTempFile("betty4j-autograd-", ".pt");
            try {
                TorchScriptGradModule.write(file);
                return JniUtils.loadModule(system, file, true, new String[0], new String[0], true);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the autograd TorchScript module to the temp directory", e);
        }
    }

    /**
     * Gradient of a scalar with respect to {@code inputs}; inputs the scalar does not depend
     * on get zeros.
     */
    public NDList grad(NDArray scalar, NDList inputs, boolean createGraph) {
        if (scalar.getShape().size() != 1) {
            throw new IllegalArgumentException("grad needs a scalar output, got shape " + scalar.getShape()
                    + "; reduce it first (sum or mean) or use vjp with a seed vector");
        }
        try (NDArray seed = scalar.onesLike()) {
            return vjp(new NDList(scalar), inputs, new NDList(seed), createGraph);
        }
    }

    /**
     * The vector-Jacobian product {@code Σ_k seeds[k] · ∂outputs[k]/∂inputs}. With
     * {@code createGraph} the result is itself differentiable.
     */
    public NDList vjp(NDList outputs, NDList inputs, NDList seeds, boolean createGraph) {
        checkArguments(outputs, inputs, seeds);
        // An array carries one name; an array in two lists is aliased by a detached-free copy.
        IdentityHashMap<NDArray, String> savedNames = new IdentityHashMap<>();
        List<NDArray> temporaries = new ArrayList<>();
        NDList packed = new NDList(outputs.size() + inputs.size() + seeds.size() + 1);
        for (NDArray in : inputs) {
            savedNames.putIfAbsent(in, in.getName());
        }
        packList(packed, outputs, "outputs[]", savedNames, temporaries);
        packList(packed, inputs, "inputs[]", null, temporaries);
        packList(packed, seeds, "grad_outputs[]", savedNames, temporaries);
        NDArray flag = outputs.get(0).getManager().create(createGraph);
        temporaries.add(flag);
        packed.add(flag);
        try {
            NDList result;
            try {
                result = IValueUtils.forward(module, packed, true);
            } catch (EngineException e) {
                if (String.valueOf(e.getMessage()).contains("does not require grad")) {
                    // DJL offers no safe native check for a graph on a non-leaf, so libtorch tells us
                    throw new IllegalStateException("the output (" + describe(outputs.get(0))
                            + ") carries no gradient graph: it was computed with gradient recording off, or from "
                            + "detached arrays only; compute the cost inside a GradientCollector from parameters "
                            + "that require gradients", e);
                }
                throw e;
            }
            if (result.size() != inputs.size()) {
                throw new IllegalStateException("autograd module returned " + result.size()
                        + " gradients for " + inputs.size() + " inputs");
            }
            for (int i = 0; i < result.size(); i++) {
                result.get(i).setName(null);
            }
            return result;
        } finally {
            for (Map.Entry<NDArray, String> e : savedNames.entrySet()) {
                e.getKey().setName(e.getValue());
            }
            temporaries.forEach(NDArray::close);
        }
    }

    /**
     * Hessian-vector product {@code (∂g/∂inputs)ᵀ v} where {@code gradsWithGraph} is
     * {@code grad(cost, inputs, true)}; when {@code g} is the gradient w.r.t. other arrays than
     * {@code inputs} this is the mixed second-derivative product.
     */
    public NDList hvp(NDList gradsWithGraph, NDList inputs, NDList v, boolean createGraph) {
        return vjp(gradsWithGraph, inputs, v, createGraph);
    }

    private static void packList(NDList packed, NDList list, String name,
            IdentityHashMap<NDArray, String> savedNames, List<NDArray> temporaries) {
        for (NDArray a : list) {
            NDArray arg = a;
            if (savedNames != null) {
                if (savedNames.containsKey(a) && !name.equals(a.getName())) {
                    // the same array is already in another list under another name: alias it
                    arg = a.duplicate();
                    temporaries.add(arg);
                } else {
                    savedNames.put(a, a.getName());
                }
            }
            arg.setName(name);
            packed.add(arg);
        }
    }

    private static void checkArguments(NDList outputs, NDList inputs, NDList seeds) {
        if (outputs.isEmpty() || inputs.isEmpty()) {
            throw new IllegalArgumentException("vjp needs at least one output and one input");
        }
        if (outputs.size() != seeds.size()) {
            throw new IllegalArgumentException("vjp: " + outputs.size() + " outputs but " + seeds.size() + " seeds");
        }
        for (int i = 0; i < outputs.size(); i++) {
            if (!outputs.get(i).getShape().equals(seeds.get(i).getShape())) {
                throw new IllegalArgumentException("vjp: output " + i + " has shape " + outputs.get(i).getShape()
                        + " but its seed " + seeds.get(i).getShape());
            }
        }
        IdentityHashMap<NDArray, Boolean> seen = new IdentityHashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            NDArray in = inputs.get(i);
            if (!(in instanceof PtNDArray)) {
                throw new IllegalArgumentException("input " + i + " is not a PyTorch array: " + in.getClass().getName());
            }
            if (seen.put(in, Boolean.TRUE) != null) {
                throw new IllegalArgumentException("input " + i + " (" + describe(in) + ") appears twice");
            }
            if (!JniUtils.requiresGrad((PtNDArray) in)) {
                throw new IllegalArgumentException("input " + i + " (" + describe(in)
                        + ") does not require gradients; parameters must be initialized with gradients attached "
                        + "(Block.initialize does it, or call setRequiresGradient(true))");
            }
        }
    }

    private static String describe(NDArray a) {
        String name = a.getName();
        return (name == null ? "unnamed" : "'" + name + "'") + ", shape " + a.getShape() + ", " + a.getDataType();
    }
}
