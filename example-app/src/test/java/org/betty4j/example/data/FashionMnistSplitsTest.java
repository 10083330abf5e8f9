package org.betty4j.example.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.betty4j.runtime.data.IdxFiles;
import org.betty4j.runtime.data.ImageSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class FashionMnistSplitsTest {

    private static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    Path tmp;

    private static int[] filled(int value) {
        int[] a = new int[LongTailedFashionMnist.CLASSES];
        Arrays.fill(a, value);
        return a;
    }

    private static void assumeDebianData() {
        assumeTrue(Files.isDirectory(DEBIAN_DIR), "full Fashion-MNIST not installed at " + DEBIAN_DIR
                + " (apt-get install dataset-fashion-mnist); skipping the full-data check");
    }

    @Test
    void embeddedSubsetLoadsWithTheRightShapesAndCounts() throws IOException {
        FashionMnistSplits data = FashionMnistSplits.embedded();
        assertArrayEquals(LongTailedFashionMnist.classSizes(), data.train().classCounts(10));
        assertArrayEquals(filled(10), data.meta().classCounts(10));
        assertArrayEquals(filled(FashionMnistSplits.EMBEDDED_TEST_PER_CLASS), data.test().classCounts(10));
        for (ImageSet set : new ImageSet[] {data.train(), data.meta(), data.test()}) {
            assertEquals(28, set.rows());
            assertEquals(28, set.cols());
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = data.train().images(manager);
            assertEquals(new Shape(2478, 784), x.getShape());
            assertTrue(x.min().getFloat() >= 0f && x.max().getFloat() <= 1f);
            assertTrue(x.mean().getFloat() > 0.05f, "images are not blank"); // Fashion-MNIST mean ~0.29
            assertEquals(new Shape(2478), data.train().labels(manager).getShape());
        }
    }

    @Test
    void embeddedSubsetIsExactlyWhatTheBuilderDrawsFromTheFullSet() throws IOException {
        assumeDebianData();
        FashionMnistSplits embedded = FashionMnistSplits.embedded();
        FashionMnistSplits full = FashionMnistSplits.fromDirectory(DEBIAN_DIR);
        assertSameImages(full.train(), embedded.train());
        assertSameImages(full.meta(), embedded.meta());
        ImageSet expectedTest = LongTailedFashionMnist.balancedSubset(full.test(),
                FashionMnistSplits.EMBEDDED_TEST_PER_CLASS, LongTailedFashionMnist.DEFAULT_SEED);
        assertSameImages(expectedTest, embedded.test());
    }

    @Test
    void builderOutputIsReproducibleByteForByte() throws IOException {
        assumeDebianData();
        BuildEmbeddedSubset.build(DEBIAN_DIR, tmp, LongTailedFashionMnist.DEFAULT_SEED);
        for (String name : new String[] {FashionMnistSplits.TRAIN_IMAGES, FashionMnistSplits.TRAIN_LABELS,
            FashionMnistSplits.META_IMAGES, FashionMnistSplits.META_LABELS,
            FashionMnistSplits.TEST_IMAGES, FashionMnistSplits.TEST_LABELS, "README.txt"}) {
            try (InputStream committed = FashionMnistSplits.class.getResourceAsStream(
                    FashionMnistSplits.RESOURCE_DIR + name)) {
                assertArrayEquals(committed.readAllBytes(), Files.readAllBytes(tmp.resolve(name)),
                        name + " differs from a fresh build: rerun BuildEmbeddedSubset");
            }
        }
    }

    @Test
    void fromDirectoryUsesTheFullTestSplit() throws IOException {
        assumeDebianData();
        FashionMnistSplits data = FashionMnistSplits.fromDirectory(DEBIAN_DIR);
        assertEquals(10000, data.test().count());
        assertArrayEquals(filled(1000), data.test().classCounts(10));
        assertArrayEquals(LongTailedFashionMnist.classSizes(), data.train().classCounts(10));
        assertArrayEquals(filled(10), data.meta().classCounts(10));
    }

    @Test
    void fromDirectoryAcceptsUncompressedFiles() throws IOException {
        ImageSet train = LongTailedFashionMnistTest.identifiableSet(1010);
        ImageSet test = LongTailedFashionMnistTest.identifiableSet(3);
        writePlain(train, tmp, FashionMnistSplits.FULL_TRAIN_IMAGES, FashionMnistSplits.FULL_TRAIN_LABELS);
        writePlain(test, tmp, FashionMnistSplits.FULL_TEST_IMAGES, FashionMnistSplits.FULL_TEST_LABELS);
        FashionMnistSplits data = FashionMnistSplits.fromDirectory(tmp, 5);
        assertEquals(30, data.test().count());
        assertArrayEquals(LongTailedFashionMnist.classSizes(), data.train().classCounts(10));
        assertArrayEquals(filled(10), data.meta().classCounts(10));
    }

    @Test
    void missingDirectoryNamesEveryExpectedFile() {
        Path nowhere = tmp.resolve("no-such-dir");
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> FashionMnistSplits.fromDirectory(nowhere));
        String message = e.getMessage();
        assertTrue(message.contains("does not exist"), message);
        for (String name : new String[] {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
            assertTrue(message.contains(nowhere.resolve(name + ".gz").toString()), message);
        }
    }

    @Test
    void oneMissingFileIsNamedAlone() throws IOException {
        ImageSet set = LongTailedFashionMnistTest.identifiableSet(1010);
        IdxFiles.writeImageSet(set, tmp.resolve("train-images-idx3-ubyte.gz"),
                tmp.resolve("train-labels-idx1-ubyte.gz"));
        IdxFiles.writeImageSet(set, tmp.resolve("t10k-images-idx3-ubyte.gz"),
                tmp.resolve("t10k-labels-idx1-ubyte.gz"));
        Files.delete(tmp.resolve("t10k-labels-idx1-ubyte.gz"));
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> FashionMnistSplits.fromDirectory(tmp));
        assertTrue(e.getMessage().contains(tmp.resolve("t10k-labels-idx1-ubyte.gz").toString()), e.getMessage());
        assertFalse(e.getMessage().contains("train-images"), e.getMessage());
        assertFalse(e.getMessage().contains("does not exist"), e.getMessage());
    }

    private static void assertSameImages(ImageSet expected, ImageSet actual) {
        assertEquals(expected.count(), actual.count());
        assertArrayEquals(expected.labels(), actual.labels());
        assertArrayEquals(expected.pixelsUint8(), actual.pixelsUint8());
    }

    private static void writePlain(ImageSet set, Path dir, String images, String labels) throws IOException {
        Path gzImages = dir.resolve("tmp-images.gz");
        Path gzLabels = dir.resolve("tmp-labels.gz");
        IdxFiles.writeImageSet(set, gzImages, gzLabels);
        gunzip(gzImages, dir.resolve(images));
        gunzip(gzLabels, dir.resolve(labels));
    }

    private static void gunzip(Path gz, Path plain) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
            Files.write(plain, in.readAllBytes());
        }
        Files.delete(gz);
    }
}
