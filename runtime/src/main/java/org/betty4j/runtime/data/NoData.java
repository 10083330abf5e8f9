package org.betty4j.runtime.data;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import java.nio.ByteBuffer;

/**
 * The data of a problem whose cost reads no data (a hyperparameter, a weighting function's
 * regularizer): one empty batch per local step. Its position is the count of batches served,
 * so runs that use it checkpoint and resume like any other.
 */
final class NoData implements BatchSource {

    private long served;

    @Override
    public Batch next(NDManager parent) {
        NDManager m = parent.newSubManager();
        served++;
        return new Batch(m, new NDList(), new NDList(), 0, null, null, served, 0);
    }

    @Override
    public int epoch() {
        return 0;
    }

    @Override
    public byte[] saveState() {
        return ByteBuffer.allocate(Long.BYTES).putLong(served).array();
    }

    @Override
    public void restoreState(byte[] state) {
        if (state.length != Long.BYTES) {
            throw new IllegalArgumentException("the checkpointed position of an empty data source has " + state.length
                    + " bytes, expected " + Long.BYTES + ": the checkpoint was written by another program");
        }
        served = ByteBuffer.wrap(state).getLong();
    }
}
