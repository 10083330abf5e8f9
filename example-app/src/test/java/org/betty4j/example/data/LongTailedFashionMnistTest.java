package org.betty4j.example.data;

import org.betty4j.runtime.data.ImageSet;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LongTailedFashionMnistTest {

    /**
     * A stand-in for the full training set: {@code perClass} images per class, each 1x2 pixels
     * holding its own index in base 256, so every image can be traced back to its source.
     */
    static ImageSet identifiableSet(int perClass) {
        int n = perClass * LongTailedFashionMnist.CLASSES;
        byte[] pixels = new byte[2 * n];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            pixels[2 * i] = (byte) (i >> 8);
            pixels[2 * i + 1] = (byte) i;
            labels[i] = (i * 7) % LongTailedFashionMnist.CLASSES; // classes interleaved
        }
        return ImageSet.ofUint8(pixels, labels, 1, 2);
    }

    static int[] sourceIds(ImageSet set) {
        byte[] p = set.pixelsUint8();
        int[] ids = new int[set.count()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = ((p[2 * i] & 0xff) << 8) | (p[2 * i + 1] & 0xff);
        }
        return ids;
    }

    @Test
    void classSizesFollowTheImbalanceFactor100Formula() {
        // the values stated in the issue (floor(1000 / 100^(c/9)))
        assertArrayEquals(new int[] {1000, 599, 359, 215, 129, 77, 46, 27, 16, 10},
                LongTailedFashionMnist.classSizes());
        assertEquals(2478, Arrays.stream(LongTailedFashionMnist.classSizes()).sum());
        assertThrows(IllegalArgumentException.class, () -> LongTailedFashionMnist.classSize(10));
    }

    @Test
    void splitHasTheLongTailedCountsAndABalancedDisjointMetaSet() {
        ImageSet full = identifiableSet(6000);
        LongTailedFashionMnist.Split split = LongTailedFashionMnist.split(full, 42);
        assertArrayEquals(LongTailedFashionMnist.classSizes(), split.train().classCounts(10));
        int[] tenEach = new int[10];
        Arrays.fill(tenEach, 10);
        assertArrayEquals(tenEach, split.meta().classCounts(10));

        int[] trainIds = sourceIds(split.train());
        int[] metaIds = sourceIds(split.meta());
        Set<Integer> train = new HashSet<>();
        for (int id : trainIds) {
            assertTrue(train.add(id), "image " + id + " twice in the training set");
            assertEquals(full.label(id), split.train().label(train.size() - 1), "label travels with image");
        }
        for (int id : metaIds) {
            assertFalse(train.contains(id), "meta image " + id + " is also a training image");
        }
        assertEquals(100, Arrays.stream(metaIds).distinct().count());
        // original relative order is kept
        assertArrayEquals(Arrays.stream(trainIds).sorted().toArray(), trainIds);
    }

    @Test
    void splitIsSeededAndNotJustTheFirstImages() {
        ImageSet full = identifiableSet(6000);
        int[] a = sourceIds(LongTailedFashionMnist.split(full, 42).train());
        int[] b = sourceIds(LongTailedFashionMnist.split(full, 42).train());
        int[] c = sourceIds(LongTailedFashionMnist.split(full, 43).train());
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
        // class 9 keeps 10 of its 6000 images; the first ten of that class would be ids 3,13,...
        int[] firstTenOfClass9 = Arrays.copyOf(full.indicesOf(9), 10);
        int[] chosenOfClass9 = Arrays.stream(a).filter(id -> full.label(id) == 9).toArray();
        assertFalse(Arrays.equals(firstTenOfClass9, chosenOfClass9));
    }

    @Test
    void balancedSubsetTakesTheSameNumberPerClass() {
        ImageSet full = identifiableSet(300);
        ImageSet sub = LongTailedFashionMnist.balancedSubset(full, 200, 42);
        int[] expected = new int[10];
        Arrays.fill(expected, 200);
        assertArrayEquals(expected, sub.classCounts(10));
        assertEquals(2000, Arrays.stream(sourceIds(sub)).distinct().count());
    }

    @Test
    void tooFewImagesPerClassIsAClearError() {
        ImageSet small = identifiableSet(1009); // class 0 needs 1000 + 10 meta
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LongTailedFashionMnist.split(small, 42));
        assertTrue(e.getMessage().contains("class 0") && e.getMessage().contains("only 1009")
                && e.getMessage().contains("1010"), e.getMessage());
    }
}
