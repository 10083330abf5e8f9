package org.betty4j.runtime.data;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Reads and writes the IDX format of (Fashion-)MNIST: unsigned-byte images ({@code idx3},
 * magic {@code 0x00000803}) and labels ({@code idx1}, magic {@code 0x00000801}), with big-endian
 * dimensions. Input may be gzipped or plain (recognised by the gzip magic bytes); output is
 * always gzipped. Every malformed input is rejected with an {@link IOException} that names the
 * file and what is wrong with it.
 */
public final class IdxFiles {

    private static final int UBYTE_TYPE = 0x08;
    private static final int GZIP_MAGIC_0 = 0x1f;
    private static final int GZIP_MAGIC_1 = 0x8b;

    private IdxFiles() {
    }

    /** Images and labels from two IDX files, checked to have the same count. */
    public static ImageSet readImageSet(Path images, Path labels) throws IOException {
        Images img = readImages(images);
        int[] lab = readLabels(labels);
        return combine(img, lab, images.toString(), labels.toString());
    }

    /**
     * Images and labels from two IDX files, with every label checked to be a class index in
     * {@code 0..numClasses-1}: a label outside is an {@link IOException} naming the label file,
     * the index and the value, at load time instead of an index error in the middle of a run.
     */
    public static ImageSet readImageSet(Path images, Path labels, int numClasses) throws IOException {
        ImageSet set = readImageSet(images, labels);
        checkLabels(set.labels(), numClasses, labels.toString());
        return set;
    }

    /** As {@link #readImageSet(Path, Path, int)}, from streams; the names are used in error messages. */
    public static ImageSet readImageSet(InputStream images, String imagesName, InputStream labels, String labelsName,
                                        int numClasses) throws IOException {
        ImageSet set = readImageSet(images, imagesName, labels, labelsName);
        checkLabels(set.labels(), numClasses, labelsName);
        return set;
    }

    /** Every label must be in {@code 0..numClasses-1}. */
    public static void checkLabels(int[] labels, int numClasses, String labelsName) throws IOException {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be at least 1, got " + numClasses);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                long outside = java.util.Arrays.stream(labels).filter(l -> l < 0 || l >= numClasses).count();
                throw new IOException(labelsName + ": label " + i + " is " + labels[i] + ", outside the class indices"
                        + " 0.." + (numClasses - 1) + " (" + outside + " of " + labels.length + " labels are outside);"
                        + " is this the label file of a " + numClasses + "-class data set?");
            }
        }
    }

    /** Images and labels from two IDX streams; the names are used in error messages. */
    public static ImageSet readImageSet(InputStream images, String imagesName,
                                        InputStream labels, String labelsName) throws IOException {
        Images img = readImages(images, imagesName);
        int[] lab = readLabels(labels, labelsName);
        return combine(img, lab, imagesName, labelsName);
    }

    /** Writes both files gzipped (parent directories are created). */
    public static void writeImageSet(ImageSet set, Path images, Path labels) throws IOException {
        writeImages(images, set.pixelsUint8(), set.count(), set.rows(), set.cols());
        writeLabels(labels, set.labels());
    }

    /** Pixel block of an idx3 file: {@code count} images of {@code rows x cols} unsigned bytes. */
    public record Images(byte[] pixels, int count, int rows, int cols) {
    }

    public static Images readImages(Path file) throws IOException {
        return parseImages(readAll(file), file.toString());
    }

    public static Images readImages(InputStream in, String name) throws IOException {
        return parseImages(decompressIfGzip(in.readAllBytes(), name), name);
    }

    public static int[] readLabels(Path file) throws IOException {
        return parseLabels(readAll(file), file.toString());
    }

    public static int[] readLabels(InputStream in, String name) throws IOException {
        return parseLabels(decompressIfGzip(in.readAllBytes(), name), name);
    }

    /** Writes a gzipped idx3 file; {@code pixels} holds {@code count*rows*cols} unsigned bytes. */
    public static void writeImages(Path file, byte[] pixels, int count, int rows, int cols)
            throws IOException {
        if (count < 0 || rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("writing " + file + ": image dimensions must be count >= 0,"
                    + " rows > 0, cols > 0; got count=" + count + " rows=" + rows + " cols=" + cols);
        }
        long expected = (long) count * rows * cols;
        if (pixels.length != expected) {
            throw new IllegalArgumentException("writing " + file + ": " + count + " images of " + rows + "x"
                    + cols + " need " + expected + " pixel bytes, got " + pixels.length);
        }
        writeGzipped(file, 3, new int[] {count, rows, cols}, pixels);
    }

    /** Writes a gzipped idx1 file; every label must fit an unsigned byte (0..255). */
    public static void writeLabels(Path file, int[] labels) throws IOException {
        byte[] bytes = new byte[labels.length];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] > 255) {
                throw new IllegalArgumentException("writing " + file + ": label " + i + " is " + labels[i]
                        + "; IDX ubyte labels must be in 0..255");
            }
            bytes[i] = (byte) labels[i];
        }
        writeGzipped(file, 1, new int[] {labels.length}, bytes);
    }

    private static ImageSet combine(Images img, int[] lab, String imagesName, String labelsName)
            throws IOException {
        if (img.count() != lab.length) {
            throw new IOException("image file " + imagesName + " holds " + img.count()
                    + " images but label file " + labelsName + " holds " + lab.length
                    + " labels; pass the matching pair of files");
        }
        return ImageSet.ofUint8(img.pixels(), lab, img.rows(), img.cols());
    }

    private static byte[] readAll(Path file) throws IOException {
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "IDX file not found");
        }
        return decompressIfGzip(raw, file.toString());
    }

    private static byte[] decompressIfGzip(byte[] raw, String name) throws IOException {
        boolean gzip = raw.length >= 2 && (raw[0] & 0xff) == GZIP_MAGIC_0 && (raw[1] & 0xff) == GZIP_MAGIC_1;
        if (!gzip) {
            return raw;
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IOException(name + ": corrupt or truncated gzip data (" + e.getMessage() + ")", e);
        }
    }

    private static Images parseImages(byte[] data, String name) throws IOException {
        int[] dims = parseHeader(data, 3, name);
        int offset = 4 + 4 * 3;
        byte[] pixels = new byte[data.length - offset];
        System.arraycopy(data, offset, pixels, 0, pixels.length);
        return new Images(pixels, dims[0], dims[1], dims[2]);
    }

    private static int[] parseLabels(byte[] data, String name) throws IOException {
        int[] dims = parseHeader(data, 1, name);
        int offset = 4 + 4;
        int[] labels = new int[dims[0]];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = data[offset + i] & 0xff;
        }
        return labels;
    }

    /** Checks magic, dimension count and exact length; returns the dimensions. */
    private static int[] parseHeader(byte[] data, int expectedDims, String name) throws IOException {
        String kind = expectedDims == 3 ? "idx3 image" : "idx1 label";
        int expectedMagic = (UBYTE_TYPE << 8) | expectedDims;
        if (data.length < 4) {
            throw new IOException(name + ": not an " + kind + " file: only " + data.length
                    + " bytes, too short for the 4-byte magic number");
        }
        ByteBuffer buf = ByteBuffer.wrap(data); // big-endian by default, as IDX is
        int magic = buf.getInt();
        if (magic != expectedMagic) {
            throw new IOException(String.format("%s: bad magic number 0x%08X, expected 0x%08X for an %s file"
                    + " (unsigned bytes, %d dimension(s)); is this the right file?",
                    name, magic, expectedMagic, kind, expectedDims));
        }
        int headerLength = 4 + 4 * expectedDims;
        if (data.length < headerLength) {
            throw new IOException(name + ": truncated header: " + data.length + " bytes, the " + kind
                    + " header needs " + headerLength);
        }
        int[] dims = new int[expectedDims];
        long payload = 1;
        for (int d = 0; d < expectedDims; d++) {
            dims[d] = buf.getInt();
            if (dims[d] < 0 || (d > 0 && dims[d] == 0)) {
                throw new IOException(name + ": invalid dimension " + d + " = " + dims[d]);
            }
            payload *= dims[d];
        }
        long expectedLength = headerLength + payload;
        if (data.length < expectedLength) {
            throw new IOException(name + ": truncated: header declares dimensions "
                    + java.util.Arrays.toString(dims) + " = " + expectedLength + " bytes in total, but the "
                    + "(decompressed) file has only " + data.length);
        }
        if (data.length > expectedLength) {
            throw new IOException(name + ": " + (data.length - expectedLength) + " unexpected trailing bytes"
                    + " after the " + expectedLength + " bytes declared by dimensions "
                    + java.util.Arrays.toString(dims));
        }
        return dims;
    }

    private static void writeGzipped(Path file, int ndims, int[] dims, byte[] payload) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(payload.length + 16);
        try (DataOutputStream out = new DataOutputStream(bytes)) { // big-endian
            out.writeInt((UBYTE_TYPE << 8) | ndims);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(payload);
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            bytes.writeTo(out);
        }
    }
}
