package org.betty4j.runtime.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * An optimizer's update of one parameter array, written once as a function of arrays: the
 * optimizer applies it in place ({@code θ ← θ − Δ}, the state replaced), and ITD_RMAD
 * differentiates the very same function with autograd through recorded updates, so the update
 * and its adjoint cannot drift apart.
 *
 * <p>An implementation uses only differentiable array operations and changes none of its
 * arguments.
 */
public interface UpdateRule {

    /** How many state arrays the rule keeps per parameter array (a momentum buffer, two moments). */
    int stateArrays();

    /**
     * The step and the state after it.
     *
     * @param theta the parameter before the update
     * @param gradient its gradient (before weight decay, which the rule adds)
     * @param state the {@link #stateArrays()} state arrays before the update (zeros before the first)
     * @param rate the learning rate of this update
     * @param update the 1-based index of this update in the optimizer's life
     * @return {@code Δ} (so that {@code θ' = θ − Δ}), then the state after the update, in order
     */
    NDList apply(NDArray theta, NDArray gradient, NDList state, float rate, int update);

    /**
     * The same rule in TorchScript, for a fused scripted step: the statements of a function
     * {@code update(theta: Tensor, g: Tensor, state: List[Tensor], h: Tensor) -> List[Tensor]}
     * (indented by 4 spaces) that return what {@link #apply} returns, computed with the same
     * operations in the same order, so that both give the same bits. {@code h} holds
     * {@link #scriptScalars} as float32 numbers; a scalar operand is taken as a 0-d slice of it
     * ({@code h[0]}), which is what {@code NDArray.mul(float)} multiplies by. Null (the default)
     * for a rule without a scripted form.
     */
    default String scriptSource() {
        return null;
    }

    /** The numbers {@link #scriptSource()} reads from {@code h} for one update, in order. */
    default float[] scriptScalars(float rate, int update) {
        return new float[] {rate};
    }
}
