package org.betty4j.runtime.autograd;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IdentityHashMap;

/**
 * The one autograd facade of the runtime: gradients, vector-Jacobian and Hessian-vector
 * products over lists of arrays, exact to any order and leak-free. Every hypergradient method
 * uses only this class.
 *
 * <p>Products that carry a graph ({@code createGraph}) and vector-Jacobian products call
 * libtorch's functional {@code torch.autograd.grad} through a TorchScript module the runtime
 * writes itself, loaded on first use (see runtime/AUTOGRAD.md): those gradients are returned,
 * never accumulated into {@code .grad}, so no reference cycle keeps graphs alive. A first-order
 * gradient of a scalar with respect to leaves (parameters) takes libtorch's {@code backward}
 * instead, which needs no TorchScript: its {@code .grad} holds no graph, each input's
 * {@code .grad} is zeroed before and copied out after, and other leaves the cost reads keep
 * what {@code backward} added to their {@code .grad}.
 *
 * <p>Results live in the manager of {@code outputs[0]}: compute the cost inside a step's
 * sub-manager and everything the products create closes with it. Graphs are always retained
 * (several products may be taken from one cost); they are freed when their arrays are closed.
 * Call under gradient recording (a {@code GradientCollector} or {@link GradMode#enabled()})
 * when {@code createGraph} is true.
 */
public final class Autograd {

    private static Autograd instance;

    // the TorchScript module and the flags passed to every call of it: loaded and created on the
    // first call that needs them, then kept for the process
    private ModuleCall module;
    private IValue trueFlag;
    private IValue falseFlag;

    Autograd() {}

    /** The process-wide facade; its TorchScript module is written and loaded on first use. */
    public static synchronized Autograd get() {
        if (instance == null) {
            instance = new Autograd();
        }
        return instance;
    }

    /** Whether this facade has loaded its TorchScript module (first-order gradients of leaves do not). */
    synchronized boolean scriptLoaded() {
        return module != null;
    }

    private synchronized ModuleCall module() {
        if (module == null) {
            module = new ModuleCall(loadModule());
            trueFlag = IValue.from(true);
            falseFlag = IValue.from(false);
        }
        return module;
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
     * on get zeros. The graph is retained: the same scalar may be differentiated again. Without
     * {@code createGraph}, inputs that are leaves have their {@code .grad} zeroed and set by
     * libtorch's {@code backward} (see the class comment).
     */
    public NDList grad(NDArray scalar, NDList inputs, boolean createGraph) {
        if (scalar.getShape().size() != 1) {
            throw new IllegalArgumentException("grad needs a scalar output, got shape " + scalar.getShape()
                    + "; reduce it first (sum or mean) or use vjp with a seed vector");
        }
        checkInputs(inputs);
        if (!createGraph && scalar instanceof PtNDArray) {
            NDList leaves;
            try {
                leaves = LeafGradients.of((PtNDArray) scalar, inputs);
            } catch (EngineException e) {
                throw translated(e, new NDList(scalar), inputs);
            }
            if (leaves != null) {
                return leaves;
            }
        }
        return scriptGrad(scalar, inputs, createGraph);
    }

    /**
     * As {@code grad(scalar, inputs, false)}, but zeros (in {@code scalar}'s manager) when
     * {@code scalar} carries no gradient graph at all: a cost computed while everything it reads
     * is held constant, as when a caller stops some parameters from requiring gradients.
     */
    public NDList gradOrZeros(NDArray scalar, NDList inputs) {
        try {
            return grad(scalar, inputs, false);
        } catch (NoGraphException e) {
            NDList zeros = new NDList(inputs.size());
            for (NDArray in : inputs) {
                NDArray z = in.zerosLike();
                z.attach(scalar.getManager());
                zeros.add(z);
            }
            return zeros;
        }
    }

    /** {@link #grad} through the TorchScript module, also for first-order gradients of leaves. */
    NDList scriptGrad(NDArray scalar, NDList inputs, boolean createGraph) {
        ModuleCall call = module();
        // the seed of ones is left to libtorch (it makes the same ones_like tensor)
        try (IValue outputs = IValue.listFrom((PtNDArray) scalar); IValue in = tensorList(inputs)) {
            return call(call, TorchScriptGradModule.GRAD, new NDList(scalar), inputs, outputs, in, trueFlag,
                    createGraph ? trueFlag : falseFlag);
        }
    }

    /**
     * The vector-Jacobian product {@code Σ_k seeds[k] · ∂outputs[k]/∂inputs}. With
     * {@code createGraph} the result is itself differentiable. The graph is retained.
     */
    public NDList vjp(NDList outputs, NDList inputs, NDList seeds, boolean createGraph) {
        checkArguments(outputs, inputs, seeds);
        ModuleCall call = module();
        try (IValue out = tensorList(outputs);
                IValue in = tensorList(inputs);
                IValue seed = tensorList(seeds)) {
            return call(call, TorchScriptGradModule.VJP, outputs, inputs, out, in, seed, trueFlag,
                    createGraph ? trueFlag : falseFlag);
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

    private static NDList call(ModuleCall module, String method, NDList outputs, NDList inputs, IValue... args) {
        PtNDArray[] result;
        try {
            result = module.tensors(method, (PtNDManager) outputs.get(0).getManager(), args);
        } catch (EngineException e) {
            throw translated(e, outputs, inputs);
        }
        if (result.length != inputs.size()) {
            throw new IllegalStateException("autograd module returned " + result.length
                    + " gradients for " + inputs.size() + " inputs");
        }
        return new NDList(result);
    }

    /** libtorch's error as a message naming the array at fault, where one is known. */
    private static RuntimeException translated(EngineException e, NDList outputs, NDList inputs) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("does not require grad and does not have a grad_fn")) {
            // DJL offers no safe native check for a graph on a non-leaf, so libtorch tells us
            return new NoGraphException("the output (" + describe(outputs.get(0))
                    + ") carries no gradient graph: it was computed with gradient recording off, or from "
                    + "detached arrays only; compute the cost inside a GradientCollector from parameters "
                    + "that require gradients", e);
        }
        if (message.contains("does not require grad")) {
            // an input without gradients: found here, on failure only, to keep the call cheap
            requireGradients(inputs);
        }
        return e;
    }

    /** The output of a gradient carries no graph. */
    private static final class NoGraphException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        NoGraphException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static IValue tensorList(NDList arrays) {
        PtNDArray[] tensors = new PtNDArray[arrays.size()];
        for (int i = 0; i < tensors.length; i++) {
            tensors[i] = (PtNDArray) arrays.get(i);
        }
        return IValue.listFrom(tensors);
    }

    private static void checkArguments(NDList outputs, NDList inputs, NDList seeds) {
        if (outputs.isEmpty()) {
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
        checkInputs(inputs);
    }

    /** Checks that cost no native call; whether inputs require gradients is left to libtorch. */
    private static void checkInputs(NDList inputs) {
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("vjp needs at least one output and one input");
        }
        for (int i = 0; i < inputs.size(); i++) {
            NDArray in = inputs.get(i);
            if (!(in instanceof PtNDArray)) {
                throw new IllegalArgumentException("input " + i + " is not a PyTorch array: " + in.getClass().getName());
            }
        }
        // identity, not equals: NDArray.equals compares contents
        if (inputs.size() <= 16) {
            for (int i = 1; i < inputs.size(); i++) {
                for (int j = 0; j < i; j++) {
                    if (inputs.get(j) == inputs.get(i)) {
                        throw appearsTwice(i, inputs.get(i));
                    }
                }
            }
        } else {
            IdentityHashMap<NDArray, Boolean> seen = new IdentityHashMap<>();
            for (int i = 0; i < inputs.size(); i++) {
                if (seen.put(inputs.get(i), Boolean.TRUE) != null) {
                    throw appearsTwice(i, inputs.get(i));
                }
            }
        }
    }

    private static IllegalArgumentException appearsTwice(int i, NDArray in) {
        return new IllegalArgumentException("input " + i + " (" + describe(in) + ") appears twice");
    }

    private static void requireGradients(NDList inputs) {
        for (int i = 0; i < inputs.size(); i++) {
            NDArray in = inputs.get(i);
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
