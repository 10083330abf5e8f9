package org.betty4j.runtime.hypergrad;

import ai.djl.ndarray.NDList;
import java.util.Map;

/**
 * ITD_RMAD: the best-response product is reverse-mode differentiation through the updates
 * {@code curr} took since its inner loop started (recorded by the engine):
 * {@code (dθ_curr,T/dθ_prev)ᵀ v}, exact for that unrolled procedure. The loop's starting
 * parameters are constants: when the problem does not reset its parameters at each inner-loop
 * start ({@code Trainable.onInnerLoopStart}), this is truncated backpropagation through the last
 * loop only.
 *
 * <p>With {@link HypergradConfig#firstOrder()} every second-order term is dropped, as for
 * AID_FD: the product is zero and nothing is recorded.
 */
public final class IterativeDifferentiation implements BestResponseJacobian {

    private volatile int lastUnrolledSteps;

    /** How many recorded updates the last product went through (0 before the first). */
    public int lastUnrolledSteps() {
        return lastUnrolledSteps;
    }

    /** {@code itd_updates}: how many recorded updates the last product went through. */
    @Override
    public Map<String, Double> lastDiagnostics() {
        return lastUnrolledSteps == 0 ? Map.of() : Map.of("itd_updates", (double) lastUnrolledSteps);
    }

    @Override
    public NDList apply(NDList v, JacobianContext ctx) {
        if (ctx.config().firstOrder()) {
            return Vectors.zerosLike(ctx.prevParams(), v.get(0).getManager());
        }
        InnerLoop loop = ctx.innerLoop();
        if (loop == null || loop.steps().isEmpty()) {
            throw new IllegalStateException(ctx.currName() + ": ITD_RMAD has no recorded updates to differentiate "
                    + "while carrying the gradient to " + ctx.prevName() + "; the engine records them for a problem "
                    + "whose method is ITD_RMAD (outside the engine, pass an InnerLoop in the JacobianContext)");
        }
        lastUnrolledSteps = loop.steps().size();
        return loop.optimizer().vjp(ctx.currParams(), ctx.prevParams(), loop.varying(), loop.steps(), v,
                ctx.autograd());
    }
}
