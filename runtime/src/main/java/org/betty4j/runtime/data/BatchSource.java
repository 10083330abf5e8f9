package org.betty4j.runtime.data;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;

/**
 * Endless training batches for one problem. Each call returns a new {@link Batch} whose
 * arrays live in a sub-manager of {@code parent}; the caller closes it. At the end of an
 * epoch the source starts the next one (reshuffled, where it shuffles).
 */
public interface BatchSource {

    /**
     * A source of empty batches, one per step, for a problem whose cost reads no data; the
     * default of {@link org.betty4j.runtime.problem.Trainable#data()}. Each call returns a new
     * source (it counts the batches it served, for checkpoints).
     */
    static BatchSource none() {
        return new NoData();
    }

    /** The next batch, in a fresh sub-manager of {@code parent}. */
    Batch next(NDManager parent);

    /** Completed passes over the data so far. */
    int epoch();

    /**
     * The source's position (order, next index, epoch, random stream) for a checkpoint. A
     * source that cannot be checkpointed says so here, and a run asked to checkpoint fails at
     * its first checkpoint with this message.
     */
    default byte[] saveState() {
        throw new UnsupportedOperationException(getClass().getName()
                + " cannot be checkpointed: implement BatchSource.saveState/restoreState");
    }

    /** Restores a position written by {@link #saveState()} of a source built the same way. */
    default void restoreState(byte[] state) {
        throw new UnsupportedOperationException(getClass().getName()
                + " cannot be restored from a checkpoint: implement BatchSource.saveState/restoreState");
    }
}
