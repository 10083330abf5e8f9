package org.betty4j.example.maml;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.betty4j.example.data.FashionMnistSplits;
import org.betty4j.runtime.data.ImageSet;

/**
 * N-way K-shot classification tasks built from Fashion-MNIST classes. The classes are split
 * in two disjoint halves: tasks for meta-training draw from {@link #TRAIN_CLASSES}, tasks for
 * evaluation from {@link #TEST_CLASSES}, so an evaluation task shows classes the
 * meta-initialization never saw. A task takes {@code ways} classes of its half, assigns them
 * the labels 0..ways−1 in a random order (so no fixed class-to-output mapping can be learned),
 * and draws {@code shots} support and {@code queries} query images per class, disjoint.
 *
 * <p>The image pool of a class is every image of that class in the three embedded sets
 * (long-tailed train, meta, balanced test): at least 220 per class. The pools of the
 * meta-training classes are split once more: the first {@value #META_TRAIN_PERCENT}% of each
 * are what meta-training (and the pretraining baseline) may use, the rest are held out, for
 * evaluation tasks over the seen classes with unseen images.
 */
public final class FewShotTasks {

    /**
     * T-shirt, Trouser, Pullover, Sandal, Bag: one class of each related pair (T-shirt/Shirt,
     * Trouser/Dress, Pullover/Coat, Sandal/Sneaker, Bag/Ankle boot), so every evaluation class
     * has a relative among the meta-training classes, as Omniglot's held-out alphabets share
     * strokes with the training ones. (A split by even/odd class index puts four upper-body
     * garments in one half and three kinds of shoe in the other; there nothing learned on one
     * half helped the other, see the program's results README.)
     */
    public static final int[] TRAIN_CLASSES = {0, 1, 2, 5, 8};
    /** Shirt, Dress, Coat, Sneaker, Ankle boot. */
    public static final int[] TEST_CLASSES = {3, 4, 6, 7, 9};

    /** Share of a meta-training class's pool that meta-training may use (the rest is held out). */
    public static final int META_TRAIN_PERCENT = 80;

    private final int pixels;
    private final float[][][] imagesByClass;

    private FewShotTasks(int pixels, float[][][] imagesByClass) {
        this.pixels = pixels;
        this.imagesByClass = imagesByClass;
    }

    /** The pools of the embedded Fashion-MNIST subset. */
    public static FewShotTasks of(FashionMnistSplits splits) {
        List<ImageSet> sets = List.of(splits.train(), splits.meta(), splits.test());
        int pixels = splits.train().pixelsPerImage();
        float[][][] byClass = new float[10][][];
        for (int c = 0; c < 10; c++) {
            List<float[]> images = new ArrayList<>();
            for (ImageSet set : sets) {
                float[] all = set.pixelsScaled();
                for (int i : set.indicesOf(c)) {
                    float[] img = new float[pixels];
                    System.arraycopy(all, i * pixels, img, 0, pixels);
                    images.add(img);
                }
            }
            byClass[c] = images.toArray(float[][]::new);
        }
        return new FewShotTasks(pixels, byClass);
    }

    public int pixels() {
        return pixels;
    }

    /**
     * The pool range {@code [from, to)} of class {@code c}: for a meta-training class its first
     * {@value #META_TRAIN_PERCENT}% ({@code heldOut} false) or the rest (true); for an
     * evaluation class all of it.
     */
    int[] range(int c, boolean heldOut) {
        int n = imagesByClass[c].length;
        boolean training = java.util.Arrays.stream(TRAIN_CLASSES).anyMatch(t -> t == c);
        if (!training) {
            return new int[] {0, n};
        }
        int cut = n * META_TRAIN_PERCENT / 100;
        return heldOut ? new int[] {cut, n} : new int[] {0, cut};
    }

    /** The pool image {@code index} of class {@code c} (not a copy). */
    float[] image(int c, int index) {
        return imagesByClass[c][index];
    }

    /** A random task over {@code classes} from the images meta-training may use (see the class comment). */
    public Task sample(Random random, int[] classes, int ways, int shots, int queries) {
        return sample(random, classes, ways, shots, queries, false);
    }

    /** As {@link #sample(Random, int[], int, int, int)}; {@code heldOut} draws a meta-training class's held-out images. */
    public Task sample(Random random, int[] classes, int ways, int shots, int queries, boolean heldOut) {
        if (ways < 2 || ways > classes.length) {
            throw new IllegalArgumentException("a task needs 2.." + classes.length + " ways from " + classes.length
                    + " classes; got ways = " + ways);
        }
        if (shots < 1 || queries < 1) {
            throw new IllegalArgumentException("shots and queries must be at least 1; got shots = " + shots
                    + ", queries = " + queries);
        }
        int[] chosen = classes.clone();
        shuffle(chosen, random);
        float[] supportX = new float[ways * shots * pixels];
        int[] supportY = new int[ways * shots];
        float[] queryX = new float[ways * queries * pixels];
        int[] queryY = new int[ways * queries];
        int[] classes_ = new int[ways];
        for (int label = 0; label < ways; label++) {
            int c = chosen[label];
            classes_[label] = c;
            int[] range = range(c, heldOut);
            int available = range[1] - range[0];
            if (shots + queries > available) {
                throw new IllegalArgumentException("class " + c + " has " + available + " images"
                        + (heldOut ? " held out" : "") + ", fewer than shots + queries = " + (shots + queries));
            }
            int[] picks = distinct(random, available, shots + queries);
            for (int k = 0; k < picks.length; k++) {
                picks[k] += range[0];
            }
            for (int k = 0; k < shots; k++) {
                int row = label * shots + k;
                System.arraycopy(imagesByClass[c][picks[k]], 0, supportX, row * pixels, pixels);
                supportY[row] = label;
            }
            for (int k = 0; k < queries; k++) {
                int row = label * queries + k;
                System.arraycopy(imagesByClass[c][picks[shots + k]], 0, queryX, row * pixels, pixels);
                queryY[row] = label;
            }
        }
        return new Task(classes_, pixels, supportX, supportY, queryX, queryY);
    }

    private static void shuffle(int[] a, Random random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** {@code k} distinct indices below {@code n} (partial Fisher-Yates). */
    private static int[] distinct(Random random, int n, int k) {
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        for (int i = 0; i < k; i++) {
            int j = i + random.nextInt(n - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        return java.util.Arrays.copyOf(all, k);
    }

    /** One task: {@code classes[label]} is the Fashion-MNIST class behind label {@code label}. */
    public record Task(int[] classes, int pixels, float[] supportX, int[] supportY, float[] queryX, int[] queryY) {

        /** The support set as a batch (images (n, pixels), int64 labels (n)) in a sub-manager of {@code parent}. */
        public Batch support(NDManager parent) {
            return batch(parent, supportX, supportY);
        }

        /** The query set as a batch in a sub-manager of {@code parent}. */
        public Batch query(NDManager parent) {
            return batch(parent, queryX, queryY);
        }

        private Batch batch(NDManager parent, float[] x, int[] y) {
            NDManager m = parent.newSubManager();
            long[] labels = new long[y.length];
            for (int i = 0; i < y.length; i++) {
                labels[i] = y[i];
            }
            return new Batch(m, new NDList(m.create(x, new Shape(y.length, pixels))), new NDList(m.create(labels)),
                    y.length, null, null, 0, 1);
        }
    }
}
