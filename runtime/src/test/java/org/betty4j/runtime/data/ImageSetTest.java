package org.betty4j.runtime.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageSetTest {

    // 3 images of 1x2: pixels 0,255 | 51,102 | 204,153
    private static final byte[] PIXELS = {0, (byte) 255, 51, 102, (byte) 204, (byte) 153};
    private static final int[] LABELS = {2, 0, 2};

    @Test
    void ndArraysHaveTheDocumentedShapesTypesAndScale() {
        ImageSet set = ImageSet.ofUint8(PIXELS, LABELS, 1, 2);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = set.images(manager);
            assertEquals(new Shape(3, 2), x.getShape());
            assertEquals(DataType.FLOAT32, x.getDataType());
            // k/255 for the raw byte k; float32 rounding only
            float[] expected = {0f, 1f, 0.2f, 0.4f, 0.8f, 0.6f};
            assertArrayEquals(expected, x.toFloatArray(), 1e-6f);

            NDArray y = set.labels(manager);
            assertEquals(new Shape(3), y.getShape());
            assertEquals(DataType.INT64, y.getDataType());
            assertArrayEquals(new long[] {2, 0, 2}, y.toLongArray());
        }
    }

    @Test
    void int64LabelsWorkWithSoftmaxCrossEntropy() {
        // logits with known log-softmax: uniform rows give log(1/3) at every class
        try (NDManager manager = NDManager.newBaseManager()) {
            ImageSet set = ImageSet.ofUint8(PIXELS, LABELS, 1, 2);
            NDArray logits = manager.zeros(new Shape(3, 3));
            NDArray loss = Loss.softmaxCrossEntropyLoss().evaluate(
                    new NDList(set.labels(manager)), new NDList(logits));
            assertEquals(Math.log(3), loss.getFloat(), 1e-6);
        }
    }

    @Test
    void subsetAndClassCounts() {
        ImageSet set = ImageSet.ofUint8(PIXELS, LABELS, 1, 2);
        ImageSet sub = set.subset(new int[] {2, 1});
        assertArrayEquals(new int[] {2, 0}, sub.labels());
        assertArrayEquals(new byte[] {(byte) 204, (byte) 153, 51, 102}, sub.pixelsUint8());
        assertArrayEquals(new int[] {1, 0, 2}, set.classCounts(3));
        assertArrayEquals(new int[] {0, 2}, set.indicesOf(2));
        assertEquals(3, set.numClassesSeen());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> set.classCounts(2));
        assertTrue(e.getMessage().contains("label 2"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> set.subset(new int[] {3}));
    }

    @Test
    void isImmutable() {
        byte[] pixels = PIXELS.clone();
        int[] labels = LABELS.clone();
        ImageSet set = ImageSet.ofUint8(pixels, labels, 1, 2);
        pixels[0] = 9;
        labels[0] = 9;
        set.pixelsUint8()[1] = 9;
        set.labels()[1] = 9;
        assertArrayEquals(PIXELS, set.pixelsUint8());
        assertArrayEquals(LABELS, set.labels());
    }

    @Test
    void rejectsInconsistentInput() {
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> ImageSet.ofUint8(new byte[5], LABELS, 1, 2));
        assertTrue(size.getMessage().contains("need 6 pixel bytes, got 5"), size.getMessage());
        IllegalArgumentException neg = assertThrows(IllegalArgumentException.class,
                () -> ImageSet.ofUint8(PIXELS, new int[] {0, -1, 0}, 1, 2));
        assertTrue(neg.getMessage().contains("label 1 is -1"), neg.getMessage());
    }
}
