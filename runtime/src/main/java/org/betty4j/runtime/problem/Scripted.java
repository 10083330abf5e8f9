package org.betty4j.runtime.problem;

import ai.djl.ndarray.NDList;

/**
 * Optional for a problem class made of small operations: its cost also written in TorchScript,
 * so that the engine can run a whole training step (cost, gradient, non-finite checks and the
 * optimizer's update) as one native call instead of one call per operation. The Java training
 * step stays the reference: at the first scripted step of a run the engine compares both losses
 * on the same batch and stops with both values when they differ beyond float rounding.
 *
 * <p>The engine takes the scripted step only where it is exactly the plain step (see
 * runtime/SCRIPTED.md): a direct gradient (no lower problems), an optimizer with a scripted rule
 * (Sgd, Adam), a hypergradient method that does not record updates (AID_*), no gradient
 * accumulation, clipping, loss scaling or mixed precision, and {@link Trainable#afterGradients}
 * not overridden. Elsewhere it logs the reason once and runs the generic step.
 *
 * <pre>{@code
 * @Level(1)
 * public class Inner implements Trainable, Scripted {
 *   public String scriptedCost() {
 *     return """
 *         def cost(w: Tensor, lam: Tensor, x: Tensor, y: Tensor) -> Tensor:
 *             z = torch.matmul(x, w)
 *             return torch.mean(torch.maximum(z, torch.zeros_like(z)) - z * y) + torch.sum(lam * w * w)
 *         """;
 *   }
 *   public NDList scriptedReads() { return new NDList(outer.lambda()); }
 * }
 * }</pre>
 */
public interface Scripted {

    /**
     * TorchScript source of {@code def cost(...) -> Tensor:} on one line, then its body. Its
     * arguments, in order: the problem's {@link Trainable#parameters()}, the arrays of
     * {@link #scriptedReads()}, then the batch's data arrays and label arrays. It must compute the
     * same value as the problem's training step with the same operations in the same order (then
     * the trajectory is the same to the bit).
     */
    String scriptedCost();

    /**
     * The arrays the cost reads besides the problem's parameters and its batch (e.g. an upper
     * problem's parameters), in the order of the cost's arguments; asked at every step.
     */
    default NDList scriptedReads() {
        return new NDList();
    }
}
