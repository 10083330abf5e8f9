package org.betty4j.example.data;

import org.betty4j.runtime.data.IdxFiles;
import org.betty4j.runtime.data.ImageSet;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The three image sets of the reweighting experiment: the long-tailed training set, the balanced
 * meta set, and the test set.
 *
 * <ul>
 *   <li>{@link #embedded()}: the small committed subset on the class path (built by
 *       {@link BuildEmbeddedSubset}); its test set is a class-balanced 2000-image sample of the
 *       official test split.</li>
 *   <li>{@link #fromDirectory(Path)}: the four full IDX files (as in Debian's
 *       {@code dataset-fashion-mnist}); the same long-tailed split and meta set, and the full
 *       10 000-image test split.</li>
 * </ul>
 */
public record FashionMnistSplits(ImageSet train, ImageSet meta, ImageSet test) {

    /** Class-path folder of the embedded subset. */
    public static final String RESOURCE_DIR = "/fashion-mnist-lt/";
    public static final String TRAIN_IMAGES = "train-lt-images-idx3-ubyte.gz";
    public static final String TRAIN_LABELS = "train-lt-labels-idx1-ubyte.gz";
    public static final String META_IMAGES = "meta-images-idx3-ubyte.gz";
    public static final String META_LABELS = "meta-labels-idx1-ubyte.gz";
    public static final String TEST_IMAGES = "test-balanced-images-idx3-ubyte.gz";
    public static final String TEST_LABELS = "test-balanced-labels-idx1-ubyte.gz";
    /** Test images per class in the embedded subset. */
    public static final int EMBEDDED_TEST_PER_CLASS = 200;

    /** The base names of the full data set's files, as Debian and the original distribution name them. */
    public static final String FULL_TRAIN_IMAGES = "train-images-idx3-ubyte";
    public static final String FULL_TRAIN_LABELS = "train-labels-idx1-ubyte";
    public static final String FULL_TEST_IMAGES = "t10k-images-idx3-ubyte";
    public static final String FULL_TEST_LABELS = "t10k-labels-idx1-ubyte";

    /** The committed subset (seed {@link LongTailedFashionMnist#DEFAULT_SEED}). */
    public static FashionMnistSplits embedded() throws IOException {
        return new FashionMnistSplits(
                resourceSet(TRAIN_IMAGES, TRAIN_LABELS),
                resourceSet(META_IMAGES, META_LABELS),
                resourceSet(TEST_IMAGES, TEST_LABELS));
    }

    /** The full data set in {@code dir}, split with {@link LongTailedFashionMnist#DEFAULT_SEED}. */
    public static FashionMnistSplits fromDirectory(Path dir) throws IOException {
        return fromDirectory(dir, LongTailedFashionMnist.DEFAULT_SEED);
    }

    /**
     * The full data set in {@code dir}: each file as {@code NAME.gz} or plain {@code NAME}. The
     * long-tailed training and meta sets are drawn from the full training set with {@code seed};
     * the test set is the whole official test split.
     */
    public static FashionMnistSplits fromDirectory(Path dir, long seed) throws IOException {
        Path[] files = locateFullFiles(dir);
        ImageSet fullTrain = IdxFiles.readImageSet(files[0], files[1], LongTailedFashionMnist.CLASSES);
        ImageSet test = IdxFiles.readImageSet(files[2], files[3], LongTailedFashionMnist.CLASSES);
        LongTailedFashionMnist.Split split = LongTailedFashionMnist.split(fullTrain, seed);
        return new FashionMnistSplits(split.train(), split.meta(), test);
    }

    /** The full official train and test sets in {@code dir} (for the subset builder). */
    static ImageSet[] readFullTrainAndTest(Path dir) throws IOException {
        Path[] files = locateFullFiles(dir);
        return new ImageSet[] {IdxFiles.readImageSet(files[0], files[1], LongTailedFashionMnist.CLASSES), IdxFiles.readImageSet(files[2], files[3], LongTailedFashionMnist.CLASSES)};
    }

    /** Train images, train labels, test images, test labels; every missing file is named at once. */
    private static Path[] locateFullFiles(Path dir) throws IOException {
        String[] names = {FULL_TRAIN_IMAGES, FULL_TRAIN_LABELS, FULL_TEST_IMAGES, FULL_TEST_LABELS};
        Path[] found = new Path[names.length];
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            Path gz = dir.resolve(names[i] + ".gz");
            Path plain = dir.resolve(names[i]);
            found[i] = Files.isRegularFile(gz) ? gz : Files.isRegularFile(plain) ? plain : null;
            if (found[i] == null) {
                missing.add(gz + " (or " + plain + ")");
            }
        }
        if (!missing.isEmpty()) {
            String where = Files.isDirectory(dir) ? "" : " (the directory does not exist)";
            throw new NoSuchFileException(dir.toString(), null, "Fashion-MNIST directory" + where
                    + " lacks " + String.join(", ", missing)
                    + "; point --data-dir at the IDX files, e.g. /usr/share/datasets/fashion-mnist"
                    + " from the Debian package dataset-fashion-mnist");
        }
        return found;
    }

    private static ImageSet resourceSet(String images, String labels) throws IOException {
        try (InputStream img = open(images); InputStream lab = open(labels)) {
            return IdxFiles.readImageSet(img, "classpath:" + RESOURCE_DIR + images,
                    lab, "classpath:" + RESOURCE_DIR + labels, LongTailedFashionMnist.CLASSES);
        }
    }

    private static InputStream open(String name) throws IOException {
        InputStream in = FashionMnistSplits.class.getResourceAsStream(RESOURCE_DIR + name);
        if (in == null) {
            throw new NoSuchFileException("classpath:" + RESOURCE_DIR + name, null,
                    "embedded Fashion-MNIST subset missing from the class path; rebuild it with "
                            + BuildEmbeddedSubset.class.getName() + " (see its Javadoc)");
        }
        return in;
    }
}
