package org.betty4j.example.data;

import org.betty4j.runtime.data.IdxFiles;
import org.betty4j.runtime.data.ImageSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Builds the small Fashion-MNIST subset committed under
 * {@code example-app/src/main/resources/fashion-mnist-lt/} from the full IDX files: the
 * long-tailed training set, the balanced meta set (both exactly as
 * {@link FashionMnistSplits#fromDirectory(Path)} draws them), a class-balanced sample of the
 * official test split, and a README.txt recording how they were made. The output is
 * byte-for-byte reproducible (fixed seed, gzip without timestamps).
 *
 * <p>From the repository root:
 * <pre>
 * mvn -q -B -pl example-app -am install -DskipTests
 * mvn -q -B -pl example-app exec:exec -Dexec.executable=java \
 *   -Dexec.args="-cp %classpath org.betty4j.example.data.BuildEmbeddedSubset \
 *   /usr/share/datasets/fashion-mnist src/main/resources/fashion-mnist-lt"
 * </pre>
 * (exec:exec runs in the example-app folder.) Arguments: {@code [SOURCE_DIR [OUTPUT_DIR]]},
 * defaults {@code /usr/share/datasets/fashion-mnist} and the resource folder above.
 */
public final class BuildEmbeddedSubset {

    static final Path DEFAULT_SOURCE = Path.of("/usr/share/datasets/fashion-mnist");

    private BuildEmbeddedSubset() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length > 2) {
            System.err.println("usage: BuildEmbeddedSubset [SOURCE_DIR [OUTPUT_DIR]]");
            System.exit(2);
        }
        Path source = args.length > 0 ? Path.of(args[0]) : DEFAULT_SOURCE;
        Path output = args.length > 1 ? Path.of(args[1]) : defaultOutput();
        build(source, output, LongTailedFashionMnist.DEFAULT_SEED);
        System.out.println("wrote the embedded subset to " + output.toAbsolutePath().normalize());
    }

    /** Writes the six IDX files and README.txt into {@code output}. */
    public static void build(Path source, Path output, long seed) throws IOException {
        ImageSet[] full = FashionMnistSplits.readFullTrainAndTest(source);
        LongTailedFashionMnist.Split split = LongTailedFashionMnist.split(full[0], seed);
        ImageSet test = LongTailedFashionMnist.balancedSubset(full[1],
                FashionMnistSplits.EMBEDDED_TEST_PER_CLASS, seed);

        Files.createDirectories(output);
        IdxFiles.writeImageSet(split.train(), output.resolve(FashionMnistSplits.TRAIN_IMAGES),
                output.resolve(FashionMnistSplits.TRAIN_LABELS));
        IdxFiles.writeImageSet(split.meta(), output.resolve(FashionMnistSplits.META_IMAGES),
                output.resolve(FashionMnistSplits.META_LABELS));
        IdxFiles.writeImageSet(test, output.resolve(FashionMnistSplits.TEST_IMAGES),
                output.resolve(FashionMnistSplits.TEST_LABELS));
        Files.writeString(output.resolve("README.txt"), readme(split, test, seed));
    }

    /** The module's resource folder, whether run from the repository root or from example-app/. */
    private static Path defaultOutput() {
        Path fromRoot = Path.of("example-app", "src", "main", "resources", "fashion-mnist-lt");
        return Files.isDirectory(Path.of("example-app")) ? fromRoot
                : Path.of("src", "main", "resources", "fashion-mnist-lt");
    }

    private static String readme(LongTailedFashionMnist.Split split, ImageSet test, long seed) {
        int k = LongTailedFashionMnist.CLASSES;
        return String.join("\n",
                "Long-tailed Fashion-MNIST subset embedded in Betty for Java (example-app).",
                "",
                "Source: Fashion-MNIST (Zalando Research, MIT licence), the IDX files of the Debian",
                "package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).",
                "Built by org.betty4j.example.data.BuildEmbeddedSubset with seed " + seed + "; the",
                "output is reproducible byte for byte. Format: gzipped IDX (idx3 images 28x28 uint8,",
                "idx1 labels uint8), images in their original relative order.",
                "",
                describe(split.train(), FashionMnistSplits.TRAIN_IMAGES,
                        "long-tailed training set from the official train split, per class",
                        "n_c = floor(1000 / 100^(c/9)) (imbalance factor 100), chosen by a seeded shuffle"),
                describe(split.meta(), FashionMnistSplits.META_IMAGES,
                        "balanced meta set, 10 per class, from the train images NOT in the set above",
                        "(the next 10 of each class's seeded shuffle)"),
                describe(test, FashionMnistSplits.TEST_IMAGES,
                        "class-balanced sample of the official test split (t10k),",
                        FashionMnistSplits.EMBEDDED_TEST_PER_CLASS + " per class, seeded"),
                "Per-class counts (classes 0.." + (k - 1) + "):",
                "  train-lt      " + Arrays.toString(split.train().classCounts(k)),
                "  meta          " + Arrays.toString(split.meta().classCounts(k)),
                "  test-balanced " + Arrays.toString(test.classCounts(k)),
                "",
                "With --data-dir the program instead reads the four full IDX files, draws the same",
                "train-lt and meta sets from the full train split, and tests on all 10000 test images.",
                "");
    }

    private static String describe(ImageSet set, String file, String what, String how) {
        return String.format("%s (+ matching labels file): %d images%n  %s%n  %s%n",
                file, set.count(), what, how);
    }
}
