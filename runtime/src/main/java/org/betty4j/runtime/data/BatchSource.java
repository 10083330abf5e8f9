package org.betty4j.runtime.data;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;

/**
 * Endless training batches for one problem. Each call returns a new {@link Batch} whose
 * arrays live in a sub-manager of {@code parent}; the caller closes it. At the end of an
 * epoch the source starts the next one (reshuffled, where it shuffles).
 */
public interface BatchSource {

    /** The next batch, in a fresh sub-manager of {@code parent}. */
    Batch next(NDManager parent);

    /** Completed passes over the data so far. */
    int epoch();
}
