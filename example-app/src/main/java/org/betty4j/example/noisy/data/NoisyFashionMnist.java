package org.betty4j.example.noisy.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.betty4j.example.data.FashionMnistSplits;
import org.betty4j.runtime.data.IdxFiles;
import org.betty4j.runtime.data.ImageSet;

/**
 * The image sets of the noisy-label programs, with their CLEAN labels: a class-balanced training
 * set ({@value #TRAIN_PER_CLASS} per class), a disjoint clean meta pool ({@value #META_POOL_PER_CLASS}
 * per class, of which a run uses the first {@code k} of each class) and a test set. Label noise is
 * applied per run by {@link #corrupt(int[], double, long)}, so a seed fixes which labels are wrong
 * and every program of that seed sees the same ones.
 *
 * <ul>
 *   <li>{@link #embedded()}: the committed subset (built by {@link BuildNoisySubset}); its test set is
 *       the class-balanced 2000-image sample of the official test split that the reweighting job
 *       also uses.</li>
 *   <li>{@link #fromDirectory(Path)}: the same draw from the four full IDX files, tested on all
 *       10 000 official test images.</li>
 * </ul>
 */
public record NoisyFashionMnist(ImageSet train, ImageSet metaPool, ImageSet test) {

    public static final int CLASSES = 10;
    public static final int TRAIN_PER_CLASS = 500;
    public static final int META_POOL_PER_CLASS = 50;
    /** Seed of the draw of the committed subset. */
    public static final long DRAW_SEED = 42L;

    public static final String RESOURCE_DIR = "/fashion-mnist-noisy/";
    public static final String TRAIN_IMAGES = "train-balanced-images-idx3-ubyte.gz";
    public static final String TRAIN_LABELS = "train-balanced-labels-idx1-ubyte.gz";
    public static final String META_IMAGES = "meta-pool-images-idx3-ubyte.gz";
    public static final String META_LABELS = "meta-pool-labels-idx1-ubyte.gz";

    /** The committed subset. */
    public static NoisyFashionMnist embedded() throws IOException {
        FashionMnistSplits lt = FashionMnistSplits.embedded();
        return new NoisyFashionMnist(resourceSet(TRAIN_IMAGES, TRAIN_LABELS), resourceSet(META_IMAGES, META_LABELS),
                lt.test());
    }

    /** The same draw from the full IDX files in {@code dir}; the test set is the whole official test split. */
    public static NoisyFashionMnist fromDirectory(Path dir) throws IOException {
        FashionMnistSplits full = FashionMnistSplits.fromDirectory(dir);
        // fromDirectory gives the long-tailed split; the balanced draw needs the whole train split
        ImageSet[] sets = readFull(dir);
        return draw(sets[0], full.test(), DRAW_SEED);
    }

    /**
     * Per class, the indices of {@code fullTrain} shuffled with one {@code Random(seed)} (classes in
     * order 0..9): the first {@value #TRAIN_PER_CLASS} go to training, the next
     * {@value #META_POOL_PER_CLASS} to the meta pool; both keep the images' original order.
     */
    public static NoisyFashionMnist draw(ImageSet fullTrain, ImageSet test, long seed) {
        Random random = new Random(seed);
        List<Integer> train = new ArrayList<>();
        List<Integer> meta = new ArrayList<>();
        for (int c = 0; c < CLASSES; c++) {
            int[] idx = fullTrain.indicesOf(c);
            shuffle(idx, random);
            if (idx.length < TRAIN_PER_CLASS + META_POOL_PER_CLASS) {
                throw new IllegalArgumentException("class " + c + " has only " + idx.length + " training images; the"
                        + " noisy-label draw needs " + (TRAIN_PER_CLASS + META_POOL_PER_CLASS)
                        + ": pass the full Fashion-MNIST training split");
            }
            for (int i = 0; i < TRAIN_PER_CLASS; i++) {
                train.add(idx[i]);
            }
            for (int i = TRAIN_PER_CLASS; i < TRAIN_PER_CLASS + META_POOL_PER_CLASS; i++) {
                meta.add(idx[i]);
            }
        }
        return new NoisyFashionMnist(fullTrain.subset(sorted(train)), fullTrain.subset(sorted(meta)), test);
    }

    /**
     * The first {@code perClass} images of each class of the meta pool (in the pool's order), the
     * clean meta set of a run.
     */
    public ImageSet meta(int perClass) {
        if (perClass < 1 || perClass > META_POOL_PER_CLASS) {
            throw new IllegalArgumentException("clean meta images per class must be in 1.." + META_POOL_PER_CLASS
                    + ", got " + perClass);
        }
        List<Integer> chosen = new ArrayList<>();
        for (int c = 0; c < CLASSES; c++) {
            int[] idx = metaPool.indicesOf(c);
            for (int i = 0; i < perClass; i++) {
                chosen.add(idx[i]);
            }
        }
        return metaPool.subset(sorted(chosen));
    }

    /**
     * Symmetric label noise: exactly {@code round(rate * n)} samples, chosen uniformly by a seeded
     * shuffle, get a label drawn uniformly from the {@code CLASSES - 1} OTHER classes; the rest keep
     * theirs. So {@code rate} is the true fraction of wrong labels.
     */
    public static int[] corrupt(int[] labels, double rate, long seed) {
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("noise rate must be in [0, 1), got " + rate);
        }
        Random random = new Random(seed);
        int[] order = new int[labels.length];
        Arrays.setAll(order, i -> i);
        shuffle(order, random);
        int[] noisy = labels.clone();
        int wrong = (int) Math.round(rate * labels.length);
        for (int k = 0; k < wrong; k++) {
            int i = order[k];
            int other = random.nextInt(CLASSES - 1);
            noisy[i] = other >= labels[i] ? other + 1 : other;
        }
        return noisy;
    }

    /** {@code set} with its labels replaced. */
    public static ImageSet withLabels(ImageSet set, int[] labels) {
        return ImageSet.ofUint8(set.pixelsUint8(), labels, set.rows(), set.cols());
    }

    static ImageSet[] readFull(Path dir) throws IOException {
        String[] names = {FashionMnistSplits.FULL_TRAIN_IMAGES, FashionMnistSplits.FULL_TRAIN_LABELS};
        Path[] files = new Path[2];
        for (int i = 0; i < 2; i++) {
            Path gz = dir.resolve(names[i] + ".gz");
            files[i] = Files.isRegularFile(gz) ? gz : dir.resolve(names[i]);
            if (!Files.isRegularFile(files[i])) {
                throw new NoSuchFileException(files[i].toString(), null, "Fashion-MNIST file missing");
            }
        }
        return new ImageSet[] {IdxFiles.readImageSet(files[0], files[1])};
    }

    private static void shuffle(int[] a, Random random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static int[] sorted(List<Integer> indices) {
        return indices.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    private static ImageSet resourceSet(String images, String labels) throws IOException {
        try (InputStream img = open(images); InputStream lab = open(labels)) {
            return IdxFiles.readImageSet(img, "classpath:" + RESOURCE_DIR + images, lab,
                    "classpath:" + RESOURCE_DIR + labels);
        }
    }

    private static InputStream open(String name) throws IOException {
        InputStream in = NoisyFashionMnist.class.getResourceAsStream(RESOURCE_DIR + name);
        if (in == null) {
            throw new NoSuchFileException("classpath:" + RESOURCE_DIR + name, null,
                    "embedded noisy-label Fashion-MNIST subset missing from the class path; rebuild it with "
                            + BuildNoisySubset.class.getName());
        }
        return in;
    }
}
