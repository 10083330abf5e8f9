package org.betty4j.runtime.hypergrad.internal;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.betty4j.runtime.autograd.Autograd;

/** An optimizer's update rule, differentiated in reverse mode through recorded updates (ITD_RMAD). */
public interface UnrolledOptimizer {

    /**
     * Copies, in {@code manager}, of the optimizer state the next update of {@code params} reads
     * and {@link #vjp} needs ({@link RecordedStep#optimizerStateBefore()}); empty by default.
     */
    default NDList stateBefore(NDList params, NDManager manager) {
        return new NDList();
    }

    /**
     * {@code (dθ_T/dλ)ᵀ v} through {@code steps} (oldest first), where θ are {@code params}
     * (live) and λ are {@code hyper}, arrays the costs read. {@code varying} are live arrays set
     * to each step's {@link RecordedStep#varyingBefore()} while that step is differentiated
     * (they may include {@code hyper}). Every live array is restored to its value on entry.
     */
    NDList vjp(NDList params, NDList hyper, NDList varying, List<RecordedStep> steps, NDList v, Autograd autograd);
}
