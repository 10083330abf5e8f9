package org.betty4j.runtime.autograd;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;

/**
 * First-order gradients of a scalar with respect to leaf arrays through libtorch's own
 * {@code backward}, with no TorchScript: a run whose methods need no second derivatives never
 * loads the TorchScript module (about 10 MiB of resident memory; see runtime/AUTOGRAD.md).
 *
 * <p>{@code backward} accumulates into the {@code .grad} of every leaf the graph reaches. So each
 * input's {@code .grad} is zeroed right before the call and copied out right after it; a leaf
 * that is not an input keeps whatever was added to its {@code .grad}, which nothing here reads
 * without zeroing it first. Without a graph in {@code .grad} ({@code create_graph} is false)
 * there is no reference cycle and nothing leaks. The copy has the bits
 * {@code torch.autograd.grad} returns, except that a gradient entry of −0.0 reads +0.0 once the
 * leaf's {@code .grad} has been zeroed (0 + (−0) = +0).
 *
 * <p>{@code backward} gives nothing to an array that is not a leaf (an array computed from
 * others): {@link #of} then returns null and the caller takes the gradient another way.
 */
final class LeafGradients {

    private LeafGradients() {}

    /**
     * The gradient of {@code scalar} with respect to {@code inputs}, zeros for inputs it does not
     * depend on, as arrays of {@code scalar}'s manager; the graph is retained. Returns null, having
     * changed nothing but {@code .grad} of leaves, when an input is not a leaf.
     *
     * @throws EngineException from libtorch, e.g. when {@code scalar} has no graph
     */
    static NDList of(PtNDArray scalar, NDList inputs) {
        for (NDArray in : inputs) {
            // DJL's requires-grad query answers false for arrays computed from others: only
            // leaves that require gradients pass (any other input is the facade's to judge; this
            // also keeps libtorch from warning about a non-leaf's .grad below)
            if (!JniUtils.requiresGrad((PtNDArray) in)) {
                return null;
            }
        }
        for (NDArray in : inputs) {
            JniUtils.zeroGrad((PtNDArray) in);
        }
        try (PtNDArray seed = JniUtils.onesLike(scalar, scalar.getDataType(), scalar.getDevice(),
                SparseFormat.DENSE)) {
            JniUtils.backward(scalar, seed, true, false);
        }
        PtNDManager into = (PtNDManager) scalar.getManager();
        NDList out = new NDList(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            PtNDArray in = (PtNDArray) inputs.get(i);
            PtNDArray grad = JniUtils.getGradient(in);
            if (grad == null) {
                grad = definedGradient(in);
                if (grad == null) {
                    out.close();
                    return null;
                }
            }
            try (PtNDArray held = grad) {
                PtNDArray copy = JniUtils.clone(held);
                copy.attach(into);
                out.add(copy);
            }
        }
        return out;
    }

    /**
     * {@code in} got no {@code .grad} from the call: an unused leaf whose {@code .grad} was never
     * set, or not a leaf. A backward of {@code 0 · sum(in)} sets a leaf's {@code .grad} to zeros
     * (the right answer) and tells the two apart; returns null for a non-leaf.
     */
    private static PtNDArray definedGradient(PtNDArray in) {
        try (GradMode on = GradMode.enabled(); PtNDArray sum = in.sum();
                PtNDArray zero = JniUtils.zerosLike(sum, sum.getDataType(), sum.getDevice(), SparseFormat.DENSE)) {
            // retained: a non-leaf's graph may be the cost's own, still needed
            JniUtils.backward(sum, zero, true, false);
        } catch (EngineException e) {
            // a non-leaf whose graph was already freed
            return null;
        }
        return JniUtils.getGradient(in);
    }
}
