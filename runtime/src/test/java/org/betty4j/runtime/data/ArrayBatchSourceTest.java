package org.betty4j.runtime.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArrayBatchSourceTest {

    private static final int N = 10;

    private NDManager manager;
    private NDArray features; // row i = [i, 100 + i], so a batch's rows identify its samples
    private NDArray labels;   // label i = i

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        float[] x = new float[2 * N];
        long[] y = new long[N];
        for (int i = 0; i < N; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = 100 + i;
            y[i] = i;
        }
        features = manager.create(x, new Shape(N, 2));
        labels = manager.create(y);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private ArrayBatchSource source(int batchSize, long seed, boolean dropLast) {
        return ArrayBatchSource.builder(features, labels)
                .optBatchSize(batchSize).optSeed(seed).optDropLast(dropLast).build();
    }

    /** The sample ids of the next batch, after checking that its features and labels agree. */
    private static long[] nextIds(BatchSource source, NDManager parent) {
        try (Batch batch = source.next(parent)) {
            NDArray x = batch.getData().head();
            NDArray y = batch.getLabels().head();
            long[] ids = y.toLongArray();
            float[] rows = x.toFloatArray();
            for (int k = 0; k < ids.length; k++) {
                assertEquals(ids[k], rows[2 * k], 0f);
                assertEquals(100 + ids[k], rows[2 * k + 1], 0f);
            }
            assertEquals(ids.length, batch.getSize());
            return ids;
        }
    }

    private static List<Long> epochOrder(BatchSource source, NDManager parent, int batches) {
        List<Long> order = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            for (long id : nextIds(source, parent)) {
                order.add(id);
            }
        }
        return order;
    }

    @Test
    void batchShapesKeepTheLastPartialBatch() {
        ArrayBatchSource source = source(4, 1, false);
        assertEquals(3, source.batchesPerEpoch());
        int[] sizes = new int[4];
        for (int b = 0; b < 4; b++) {
            try (Batch batch = source.next(manager)) {
                NDArray x = batch.getData().head();
                NDArray y = batch.getLabels().head();
                sizes[b] = (int) x.getShape().get(0);
                assertEquals(2, x.getShape().get(1));
                assertEquals(DataType.FLOAT32, x.getDataType());
                assertEquals(new Shape(sizes[b]), y.getShape());
                assertEquals(DataType.INT64, y.getDataType());
                assertEquals(b % 3, batch.getProgress());
                assertEquals(3, batch.getProgressTotal());
            }
        }
        assertArrayEquals(new int[] {4, 4, 2, 4}, sizes);
    }

    @Test
    void dropLastSkipsThePartialBatch() {
        ArrayBatchSource source = source(4, 1, true);
        assertEquals(2, source.batchesPerEpoch());
        for (int b = 0; b < 5; b++) {
            assertEquals(4, nextIds(source, manager).length);
        }
        assertEquals(2, source.epoch()); // 5 batches of 2 per epoch
    }

    @Test
    void oneEpochCoversEverySampleExactlyOnce() {
        ArrayBatchSource source = source(3, 7, false);
        List<Long> order = epochOrder(source, manager, source.batchesPerEpoch());
        long[] sorted = order.stream().mapToLong(Long::longValue).sorted().toArray();
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, sorted);
    }

    @Test
    void epochCounterCountsCompletedPasses() {
        ArrayBatchSource source = source(4, 1, false);
        assertEquals(0, source.epoch());
        nextIds(source, manager);
        nextIds(source, manager);
        assertEquals(0, source.epoch());
        nextIds(source, manager); // the partial third batch completes the pass
        assertEquals(1, source.epoch());
        for (int b = 0; b < 6; b++) {
            nextIds(source, manager);
        }
        assertEquals(3, source.epoch());
    }

    @Test
    void sameSeedSameOrderDifferentSeedDifferentOrderAndEachEpochReshuffled() {
        List<Long> a = epochOrder(source(5, 42, false), manager, 6);
        List<Long> b = epochOrder(source(5, 42, false), manager, 6);
        List<Long> c = epochOrder(source(5, 43, false), manager, 6);
        assertEquals(a, b);
        assertNotEquals(a, c);
        List<Long> first = a.subList(0, N);
        List<Long> second = a.subList(N, 2 * N);
        List<Long> third = a.subList(2 * N, 3 * N);
        assertTrue(!first.equals(second) || !second.equals(third), "epochs are not reshuffled: " + a);
        assertNotEquals(Arrays.asList(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), first);
    }

    @Test
    void withoutShuffleTheOrderIsTheDataOrder() {
        ArrayBatchSource source = ArrayBatchSource.builder(features, labels)
                .optBatchSize(4).optShuffle(false).build();
        List<Long> twoEpochs = epochOrder(source, manager, 6);
        List<Long> expected = new ArrayList<>();
        for (int e = 0; e < 2; e++) {
            for (long i = 0; i < N; i++) {
                expected.add(i);
            }
        }
        assertEquals(expected, twoEpochs);
    }

    @Test
    void batchArraysLiveInASubManagerOfTheParentAndAreFreedOnClose() {
        ArrayBatchSource source = source(4, 3, false);
        try (NDManager parent = manager.newSubManager()) {
            int before = parent.getManagedArrays().size();
            for (int b = 0; b < 20; b++) {
                Batch batch = source.next(parent);
                NDArray x = batch.getData().head();
                assertSame(parent, batch.getManager().getParentManager());
                assertSame(batch.getManager(), x.getManager());
                assertSame(batch.getManager(), batch.getLabels().head().getManager());
                assertTrue(parent.getManagedArrays().size() >= before + 2);
                batch.close();
                assertEquals(before, parent.getManagedArrays().size());
                assertTrue(x.isReleased(), "batch array still alive after close");
            }
        }
        // the caller's arrays stay where the caller put them, untouched
        assertSame(manager, features.getManager());
        assertEquals(45f, features.get(":, 0").sum().getFloat(), 0f);
    }

    /**
     * The order a source must produce, written out independently: epoch after epoch, a
     * Fisher-Yates shuffle of the previous epoch's order with {@code new Random(seed)} (the
     * identity without shuffling), cut into batches, the last partial one kept or dropped.
     */
    private static List<long[]> referenceBatches(long seed, boolean shuffle, int batchSize, boolean dropLast,
            int batches) {
        Random random = new Random(seed);
        int[] order = new int[N];
        for (int i = 0; i < N; i++) {
            order[i] = i;
        }
        List<long[]> out = new ArrayList<>();
        while (out.size() < batches) {
            if (shuffle) {
                for (int i = N - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
            }
            int usable = dropLast ? N - N % batchSize : N;
            for (int start = 0; start < usable && out.size() < batches; start += batchSize) {
                int end = Math.min(start + batchSize, usable);
                long[] ids = new long[end - start];
                for (int k = 0; k < ids.length; k++) {
                    ids[k] = order[start + k];
                }
                out.add(ids);
            }
        }
        return out;
    }

    @Test
    void batchesFollowTheReferenceOrderAcrossEpochs() {
        for (boolean shuffle : new boolean[] {true, false}) {
            for (boolean dropLast : new boolean[] {false, true}) {
                for (int batchSize : new int[] {3, 4, N}) {
                    ArrayBatchSource source = ArrayBatchSource.builder(features, labels).optBatchSize(batchSize)
                            .optSeed(11).optShuffle(shuffle).optDropLast(dropLast).build();
                    int batches = 3 * source.batchesPerEpoch() + 1;
                    List<long[]> expected = referenceBatches(11, shuffle, batchSize, dropLast, batches);
                    for (int b = 0; b < batches; b++) {
                        assertArrayEquals(expected.get(b), nextIds(source, manager),
                                "shuffle=" + shuffle + " dropLast=" + dropLast + " batch size " + batchSize
                                        + ", batch " + b);
                    }
                    assertEquals(batches / source.batchesPerEpoch(), source.epoch());
                }
            }
        }
    }

    @Test
    void restoredSourceContinuesWithTheSameBatches() {
        for (boolean shuffle : new boolean[] {true, false}) {
            // positions: mid-epoch, and exactly at an epoch boundary (the order is reshuffled there)
            for (int served : new int[] {2, 3, 7}) {
                ArrayBatchSource original = ArrayBatchSource.builder(features, labels).optBatchSize(4).optSeed(5)
                        .optShuffle(shuffle).build();
                epochOrder(original, manager, served);
                byte[] state = original.saveState();
                List<Long> continued = epochOrder(original, manager, 7);
                ArrayBatchSource restored = ArrayBatchSource.builder(features, labels).optBatchSize(4).optSeed(5)
                        .optShuffle(shuffle).build();
                epochOrder(restored, manager, 1); // a position of its own, overwritten by the restore
                restored.restoreState(state);
                assertEquals(continued, epochOrder(restored, manager, 7), "shuffle=" + shuffle + " after " + served);
                List<long[]> reference = referenceBatches(5, shuffle, 4, false, served + 7);
                List<Long> expected = new ArrayList<>();
                for (long[] ids : reference.subList(served, served + 7)) {
                    for (long id : ids) {
                        expected.add(id);
                    }
                }
                assertEquals(expected, continued);
            }
        }
    }

    @Test
    void modifyingABatchInPlaceChangesNeitherTheDataNorLaterBatches() {
        for (boolean shuffle : new boolean[] {true, false}) {
            for (int batchSize : new int[] {4, N}) {
                ArrayBatchSource source = ArrayBatchSource.builder(features, labels).optBatchSize(batchSize)
                        .optSeed(9).optShuffle(shuffle).build();
                for (int b = 0; b < 2 * source.batchesPerEpoch(); b++) {
                    try (Batch batch = source.next(manager)) {
                        batch.getData().head().muli(0).subi(7);
                        batch.getLabels().head().muli(0);
                    }
                }
                // nextIds checks every row against its label: all still the caller's values
                List<long[]> expected = referenceBatches(9, shuffle, batchSize, false, 3 * source.batchesPerEpoch());
                for (int b = 2 * source.batchesPerEpoch(); b < expected.size(); b++) {
                    assertArrayEquals(expected.get(b), nextIds(source, manager));
                }
                assertEquals(45f, features.get(":, 0").sum().getFloat(), 0f);
                assertEquals(45L, labels.sum().getLong());
            }
        }
    }

    @Test
    void unshuffledAndWholeSetBatchesAreFreedOnCloseToo() {
        for (int batchSize : new int[] {4, N}) {
            ArrayBatchSource source = ArrayBatchSource.builder(features, labels).optBatchSize(batchSize)
                    .optShuffle(false).build();
            try (NDManager parent = manager.newSubManager()) {
                int before = parent.getManagedArrays().size();
                for (int b = 0; b < 5; b++) {
                    Batch batch = source.next(parent);
                    NDArray x = batch.getData().head();
                    NDArray y = batch.getLabels().head();
                    assertSame(batch.getManager(), x.getManager());
                    assertSame(batch.getManager(), y.getManager());
                    assertEquals(2, batch.getManager().getManagedArrays().size(), "only the batch's two arrays");
                    batch.close();
                    assertEquals(before, parent.getManagedArrays().size());
                    assertTrue(x.isReleased() && y.isReleased(), "batch array still alive after close");
                }
            }
            assertTrue(!features.isReleased() && !labels.isReleased());
            assertSame(manager, features.getManager());
            assertSame(manager, labels.getManager());
        }
    }

    @Test
    void batchesStayValidWhenEachStepTemporarilyAttachesTheData() {
        // what a training loop does: each step's manager temporarily owns every array of the
        // caller's manager, and closing the step hands them back
        for (boolean shuffle : new boolean[] {true, false}) {
            ArrayBatchSource source = ArrayBatchSource.builder(features, labels).optBatchSize(4).optSeed(2)
                    .optShuffle(shuffle).build();
            List<long[]> expected = referenceBatches(2, shuffle, 4, false, 8);
            for (int b = 0; b < 8; b++) {
                try (NDManager step = manager.newSubManager()) {
                    step.tempAttachAll(manager.getManagedArrays().toArray(new NDArray[0]));
                    assertArrayEquals(expected.get(b), nextIds(source, step), "shuffle=" + shuffle + ", batch " + b);
                }
            }
            assertSame(manager, features.getManager());
        }
    }

    @Test
    void invalidSettingsAreRejectedWithTheValue() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> ArrayBatchSource.builder(features, labels).optBatchSize(0).build());
        assertTrue(zero.getMessage().contains("1..10") && zero.getMessage().contains("got 0"), zero.getMessage());
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> ArrayBatchSource.builder(features, labels).optBatchSize(11).build());
        assertTrue(big.getMessage().contains("got 11"), big.getMessage());
        NDArray fewer = manager.zeros(new Shape(9));
        IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
                () -> ArrayBatchSource.builder(features, fewer).build());
        assertTrue(mismatch.getMessage().contains("same first dimension")
                && mismatch.getMessage().contains("10 vs 9"), mismatch.getMessage());
    }
}
