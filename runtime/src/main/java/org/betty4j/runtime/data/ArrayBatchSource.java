package org.betty4j.runtime.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.dataset.Batch;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Random;

/**
 * Mini-batches drawn from in-memory arrays, endlessly: features and labels are indexed along
 * their first axis, one epoch visits every sample once (the last partial batch is kept unless
 * {@code optDropLast(true)}), and each new epoch is reshuffled. The order depends only on the
 * seed.
 *
 * <p>The source keeps references to the caller's arrays (they stay in the caller's manager and
 * must not change while the source is used). Each batch holds its own copies of its rows, in a
 * fresh sub-manager of the {@code parent} passed to {@link #next(NDManager)}: closing the batch
 * frees them, and modifying a batch's arrays in place changes neither the caller's arrays nor
 * later batches.
 *
 * <p>Cost per batch: without shuffling a batch is a contiguous range of rows, copied with one
 * slice and one copy per array (no index array, no gather). With shuffling the epoch's
 * permutation is sent to the arrays' device once per epoch (one int64 index array of the data's
 * length, held by the source in a manager of its own and replaced each epoch) and each batch
 * slices it and gathers its rows, so no batch copies indices from Java.
 *
 * <pre>{@code
 * BatchSource train = ArrayBatchSource.builder(x, y).optBatchSize(100).optSeed(1).build();
 * try (Batch b = train.next(manager)) { ... b.getData().head() ... }
 * }</pre>
 */
public final class ArrayBatchSource implements BatchSource {

    private final NDArray features;
    private final NDArray labels;
    private final int size;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private Random random;
    private final int[] order;
    private int position;
    private int epoch;
    /** The current epoch's order on the features' device, made on first use in the epoch. */
    private NDManager orderManager;
    private NDArray orderOnDevice;

    private ArrayBatchSource(Builder b) {
        this.features = b.features;
        this.labels = b.labels;
        this.size = Math.toIntExact(features.getShape().get(0));
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.dropLast = b.dropLast;
        this.random = new Random(b.seed);
        this.order = new int[size];
        Arrays.setAll(order, i -> i);
        reorder();
    }

    public static Builder builder(NDArray features, NDArray labels) {
        return new Builder(features, labels);
    }

    @Override
    public Batch next(NDManager parent) {
        int start = position;
        int end = Math.min(position + batchSize, size);
        long progress = position / batchSize;
        NDManager batchManager = parent.newSubManager();
        NDArray data;
        NDArray target;
        try {
            if (shuffle) {
                NDArray index = deviceOrder().get(batchManager, new NDIndex().addSliceDim(start, end));
                NDIndex rows = new NDIndex("{}", index);
                data = features.get(batchManager, rows);
                target = labels.get(batchManager, rows);
                index.close();
            } else {
                data = rows(features, start, end, batchManager);
                target = rows(labels, start, end, batchManager);
            }
        } catch (RuntimeException e) {
            batchManager.close();
            throw e;
        }
        // Attach explicitly: whatever manager the engine's indexer used, the batch owns them.
        data.attach(batchManager);
        target.attach(batchManager);
        advance(end);
        return new Batch(batchManager, new NDList(data), new NDList(target), end - start,
                null, null, progress, batchesPerEpoch());
    }

    /**
     * Rows {@code start..end} of {@code array} as a copy of their own: the slice is a view of the
     * caller's array, so the batch gets a copy and the view is freed at once.
     */
    private NDArray rows(NDArray array, int start, int end, NDManager batchManager) {
        if (start == 0 && end == size) {
            NDArray copy = array.duplicate();
            copy.attach(batchManager);
            return copy;
        }
        NDArray view = array.get(batchManager, new NDIndex().addSliceDim(start, end));
        NDArray copy = view.duplicate();
        view.close();
        return copy;
    }

    /** The epoch's order as an int64 array on the features' device, sent once per epoch. */
    private NDArray deviceOrder() {
        if (orderOnDevice == null) {
            if (orderManager == null) {
                // A manager of the source's own: the features' manager may be a step's manager the
                // features are temporarily attached to, which closes at the end of the step.
                orderManager = features.getManager().getEngine().newBaseManager(features.getDevice());
            }
            long[] indices = new long[size];
            for (int k = 0; k < size; k++) {
                indices[k] = order[k];
            }
            orderOnDevice = orderManager.create(indices);
        }
        return orderOnDevice;
    }

    /** Drops the device copy of the order; the next batch sends the current order again. */
    private void forgetDeviceOrder() {
        if (orderOnDevice != null) {
            orderOnDevice.close();
            orderOnDevice = null;
        }
    }

    @Override
    public int epoch() {
        return epoch;
    }

    @Override
    public byte[] saveState() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeInt(size);
            out.writeObject(order);
            out.writeInt(position);
            out.writeInt(epoch);
            out.writeObject(random); // java.util.Random is serializable with its seed state
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize the batch source's state", e);
        }
        return bytes.toByteArray();
    }

    @Override
    public void restoreState(byte[] state) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(state))) {
            int savedSize = in.readInt();
            if (savedSize != size) {
                throw new IllegalStateException("checkpointed batch source had " + savedSize
                        + " samples, this one has " + size + "; resume with the same data");
            }
            int[] savedOrder = (int[]) in.readObject();
            System.arraycopy(savedOrder, 0, order, 0, size);
            position = in.readInt();
            epoch = in.readInt();
            random = (Random) in.readObject();
            forgetDeviceOrder();
        } catch (IOException | ClassNotFoundException | ClassCastException e) {
            throw new IllegalStateException("corrupt batch-source state in checkpoint: " + e.getMessage(), e);
        }
    }

    /** Samples in the data. */
    public int size() {
        return size;
    }

    public int batchSize() {
        return batchSize;
    }

    /** Batches in one epoch: a last partial batch counts unless dropped. */
    public int batchesPerEpoch() {
        return dropLast ? size / batchSize : (size + batchSize - 1) / batchSize;
    }

    private void advance(int end) {
        position = end;
        int usable = dropLast ? size - size % batchSize : size;
        if (position >= usable) {
            epoch++;
            position = 0;
            reorder();
        }
    }

    /** Fisher-Yates shuffle of the whole order with the source's own random stream. */
    private void reorder() {
        if (!shuffle) {
            return;
        }
        forgetDeviceOrder();
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    /** Settings for an {@link ArrayBatchSource}; defaults: batch 32, shuffled, seed 0, keep last. */
    public static final class Builder {
        private final NDArray features;
        private final NDArray labels;
        private int batchSize = 32;
        private boolean shuffle = true;
        private long seed;
        private boolean dropLast;

        private Builder(NDArray features, NDArray labels) {
            this.features = features;
            this.labels = labels;
        }

        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Builder optShuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder optDropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        public ArrayBatchSource build() {
            if (features == null || labels == null) {
                throw new IllegalArgumentException("ArrayBatchSource needs both features and labels, got features="
                        + features + " labels=" + labels);
            }
            if (features.getShape().dimension() == 0 || labels.getShape().dimension() == 0) {
                throw new IllegalArgumentException("features " + features.getShape() + " and labels "
                        + labels.getShape() + " must have a first (sample) axis; scalars cannot be batched");
            }
            long n = features.getShape().get(0);
            if (labels.getShape().get(0) != n) {
                throw new IllegalArgumentException("features " + features.getShape() + " and labels "
                        + labels.getShape() + " must have the same first dimension (one label per sample), got "
                        + n + " vs " + labels.getShape().get(0));
            }
            if (n == 0) {
                throw new IllegalArgumentException("ArrayBatchSource needs at least one sample, features "
                        + features.getShape() + " is empty");
            }
            if (batchSize <= 0 || batchSize > n) {
                throw new IllegalArgumentException("batch size must be in 1.." + n
                        + " (the number of samples), got " + batchSize);
            }
            return new ArrayBatchSource(this);
        }
    }
}
