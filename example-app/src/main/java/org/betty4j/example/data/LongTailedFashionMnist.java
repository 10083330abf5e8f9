package org.betty4j.example.data;

import org.betty4j.runtime.data.ImageSet;

import java.util.Arrays;
import java.util.Random;

/**
 * The long-tailed Fashion-MNIST of the data-reweighting experiment (Meta-Weight-Net, Betty §A.1):
 * class {@code c} keeps {@code n_c = floor(1000 / 100^(c/9))} training images (imbalance factor
 * 100: 1000, 599, 359, 215, 129, 77, 46, 27, 16, 10), chosen by a seeded shuffle, and a balanced
 * meta set takes {@value #META_PER_CLASS} further images per class from the training images left over.
 */
public final class LongTailedFashionMnist {

    public static final int CLASSES = 10;
    public static final int HEAD_CLASS_SIZE = 1000;
    public static final int IMBALANCE_FACTOR = 100;
    public static final int META_PER_CLASS = 10;
    /** Seed of the committed embedded subset and the default for {@code --data-dir} runs. */
    public static final long DEFAULT_SEED = 42L;

    /** Fashion-MNIST class names, index = label. */
    public static final String[] CLASS_NAMES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

    private LongTailedFashionMnist() {
    }

    /** The long-tailed training split and the balanced meta set, disjoint. */
    public record Split(ImageSet train, ImageSet meta) {
    }

    /** {@code floor(1000 / 100^(c/9))}; exact at the ends (c=0: 1000, c=9: 10), never near an integer inside. */
    public static int classSize(int c) {
        if (c < 0 || c >= CLASSES) {
            throw new IllegalArgumentException("class must be in 0.." + (CLASSES - 1) + ", got " + c);
        }
        return (int) Math.floor(HEAD_CLASS_SIZE / Math.pow(IMBALANCE_FACTOR, c / (double) (CLASSES - 1)));
    }

    public static int[] classSizes() {
        int[] sizes = new int[CLASSES];
        Arrays.setAll(sizes, LongTailedFashionMnist::classSize);
        return sizes;
    }

    /**
     * Draws the long-tailed training set and the meta set from the full training set. Per class
     * the indices are shuffled with one {@code Random(seed)} (classes in order 0..9); the first
     * {@code n_c} go to training, the next {@value #META_PER_CLASS} to the meta set. Both sets keep
     * the original order of the images.
     */
    public static Split split(ImageSet fullTrain, long seed) {
        Random random = new Random(seed);
        int[][] train = new int[CLASSES][];
        int[][] meta = new int[CLASSES][];
        for (int c = 0; c < CLASSES; c++) {
            int[] shuffled = shuffledIndicesOf(fullTrain, c, random);
            int n = classSize(c);
            if (shuffled.length < n + META_PER_CLASS) {
                throw new IllegalArgumentException("class " + c + " (" + CLASS_NAMES[c] + ") has only "
                        + shuffled.length + " training images, the long-tailed split needs " + n + " + "
                        + META_PER_CLASS + " meta = " + (n + META_PER_CLASS) + "; pass the full Fashion-MNIST"
                        + " training set (6000 per class)");
            }
            train[c] = Arrays.copyOfRange(shuffled, 0, n);
            meta[c] = Arrays.copyOfRange(shuffled, n, n + META_PER_CLASS);
        }
        return new Split(fullTrain.subset(sortedUnion(train)), fullTrain.subset(sortedUnion(meta)));
    }

    /** {@code perClass} images of every class, seeded, in the original order of {@code set}. */
    public static ImageSet balancedSubset(ImageSet set, int perClass, long seed) {
        Random random = new Random(seed);
        int[][] chosen = new int[CLASSES][];
        for (int c = 0; c < CLASSES; c++) {
            int[] shuffled = shuffledIndicesOf(set, c, random);
            if (shuffled.length < perClass) {
                throw new IllegalArgumentException("class " + c + " has only " + shuffled.length
                        + " images, cannot take " + perClass + " per class");
            }
            chosen[c] = Arrays.copyOf(shuffled, perClass);
        }
        return set.subset(sortedUnion(chosen));
    }

    private static int[] shuffledIndicesOf(ImageSet set, int c, Random random) {
        int[] indices = set.indicesOf(c);
        for (int i = indices.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = indices[i];
            indices[i] = indices[j];
            indices[j] = t;
        }
        return indices;
    }

    private static int[] sortedUnion(int[][] parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).sorted().toArray();
    }
}
