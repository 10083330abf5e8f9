package org.betty4j.runtime.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxFilesTest {

    @TempDir
    Path dir;

    private static ImageSet randomSet(int count, int rows, int cols, long seed) {
        Random r = new Random(seed);
        byte[] pixels = new byte[count * rows * cols];
        r.nextBytes(pixels);
        int[] labels = r.ints(count, 0, 10).toArray();
        return ImageSet.ofUint8(pixels, labels, rows, cols);
    }

    @Test
    void writeThenReadGivesTheSamePixelsAndLabels() throws IOException {
        ImageSet original = randomSet(37, 5, 3, 1);
        Path images = dir.resolve("a-images-idx3-ubyte.gz");
        Path labels = dir.resolve("a-labels-idx1-ubyte.gz");
        IdxFiles.writeImageSet(original, images, labels);

        ImageSet back = IdxFiles.readImageSet(images, labels);
        assertEquals(37, back.count());
        assertEquals(5, back.rows());
        assertEquals(3, back.cols());
        assertArrayEquals(original.pixelsUint8(), back.pixelsUint8());
        assertArrayEquals(original.labels(), back.labels());
    }

    @Test
    void writtenFilesAreGzipWithTheIdxHeaderInside() throws IOException {
        Path images = dir.resolve("x.gz");
        IdxFiles.writeImages(images, new byte[2 * 2 * 3], 2, 2, 3);
        byte[] raw;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(images))) {
            raw = in.readAllBytes();
        }
        // magic 0x00000803, then 2, 2, 3 big-endian, then 12 pixels
        assertArrayEquals(new byte[] {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3},
                Arrays.copyOf(raw, 16));
        assertEquals(16 + 12, raw.length);
    }

    @Test
    void readsPlainUncompressedFilesToo() throws IOException {
        Path gz = dir.resolve("l.gz");
        IdxFiles.writeLabels(gz, new int[] {3, 1, 255, 0});
        Path plain = dir.resolve("l");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
            Files.write(plain, in.readAllBytes());
        }
        assertArrayEquals(new int[] {3, 1, 255, 0}, IdxFiles.readLabels(plain));
    }

    @Test
    void wrongMagicNumberIsRejectedNamingTheFile() throws IOException {
        Path labels = dir.resolve("labels.gz");
        IdxFiles.writeLabels(labels, new int[] {1, 2});
        // a label file where an image file is expected
        IOException e = assertThrows(IOException.class, () -> IdxFiles.readImages(labels));
        assertTrue(e.getMessage().contains(labels.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("bad magic number 0x00000801"), e.getMessage());

        Path garbage = dir.resolve("garbage");
        Files.write(garbage, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        IOException g = assertThrows(IOException.class, () -> IdxFiles.readLabels(garbage));
        assertTrue(g.getMessage().contains(garbage.toString()) && g.getMessage().contains("magic"), g.getMessage());
    }

    @Test
    void truncatedPayloadIsRejectedNamingTheFileAndTheSizes() throws IOException {
        Path file = dir.resolve("short-images.gz");
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        raw.write(new byte[] {0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28});
        raw.write(new byte[100]); // 10 images need 7840 bytes
        try (GZIPOutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            raw.writeTo(out);
        }
        IOException e = assertThrows(IOException.class, () -> IdxFiles.readImages(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("7856"), e.getMessage());
    }

    @Test
    void truncatedGzipStreamIsRejectedNamingTheFile() throws IOException {
        ImageSet set = randomSet(50, 4, 4, 2);
        Path images = dir.resolve("i.gz");
        IdxFiles.writeImages(images, set.pixelsUint8(), 50, 4, 4);
        byte[] bytes = Files.readAllBytes(images);
        Path cut = dir.resolve("cut-images.gz");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        IOException e = assertThrows(IOException.class, () -> IdxFiles.readImages(cut));
        assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
    }

    @Test
    void mismatchedImageAndLabelCountsAreRejected() throws IOException {
        Path images = dir.resolve("i.gz");
        Path labels = dir.resolve("l.gz");
        IdxFiles.writeImages(images, new byte[3 * 4], 3, 2, 2);
        IdxFiles.writeLabels(labels, new int[] {0, 1});
        IOException e = assertThrows(IOException.class, () -> IdxFiles.readImageSet(images, labels));
        assertTrue(e.getMessage().contains("3 images") && e.getMessage().contains("2 labels"), e.getMessage());
    }

    @Test
    void missingFileIsNamed() {
        Path missing = dir.resolve("nope-idx1-ubyte.gz");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> IdxFiles.readLabels(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void invalidArgumentsToWritersAreRejected() {
        Path file = dir.resolve("w.gz");
        IllegalArgumentException label = assertThrows(IllegalArgumentException.class,
                () -> IdxFiles.writeLabels(file, new int[] {0, 256}));
        assertTrue(label.getMessage().contains("label 1 is 256"), label.getMessage());
        IllegalArgumentException pixels = assertThrows(IllegalArgumentException.class,
                () -> IdxFiles.writeImages(file, new byte[5], 1, 2, 2));
        assertTrue(pixels.getMessage().contains("need 4 pixel bytes, got 5"), pixels.getMessage());
    }
}
