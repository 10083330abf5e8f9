package org.betty4j.runtime.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;

/**
 * An immutable set of grey-scale images with integer class labels: {@code count} images of
 * {@code rows x cols} unsigned-byte pixels (0..255), row-major, image after image.
 *
 * <p>Arrays go in and out as copies, so an instance never changes after construction.
 */
public final class ImageSet {

    private final byte[] pixels;
    private final int[] labels;
    private final int rows;
    private final int cols;

    private ImageSet(byte[] pixels, int[] labels, int rows, int cols) {
        this.pixels = pixels;
        this.labels = labels;
        this.rows = rows;
        this.cols = cols;
    }

    /**
     * A set from unsigned-byte pixels ({@code labels.length * rows * cols} of them) and
     * non-negative labels. Both arrays are copied.
     */
    public static ImageSet ofUint8(byte[] pixels, int[] labels, int rows, int cols) {
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("image size must be positive, got rows=" + rows + " cols=" + cols);
        }
        long expected = (long) labels.length * rows * cols;
        if (pixels.length != expected) {
            throw new IllegalArgumentException(labels.length + " labels of " + rows + "x" + cols
                    + " images need " + expected + " pixel bytes, got " + pixels.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0) {
                throw new IllegalArgumentException("label " + i + " is " + labels[i] + "; labels must be >= 0");
            }
        }
        return new ImageSet(pixels.clone(), labels.clone(), rows, cols);
    }

    public int count() {
        return labels.length;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public int pixelsPerImage() {
        return rows * cols;
    }

    public int label(int index) {
        return labels[index];
    }

    /** A copy of the labels. */
    public int[] labels() {
        return labels.clone();
    }

    /** A copy of the raw pixels, 0..255 as unsigned bytes. */
    public byte[] pixelsUint8() {
        return pixels.clone();
    }

    /** The pixels as floats scaled to [0, 1] (value / 255). */
    public float[] pixelsScaled() {
        float[] out = new float[pixels.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (pixels[i] & 0xff) / 255f;
        }
        return out;
    }

    /** The images as a float32 array of shape (count, rows*cols) with values in [0, 1]. */
    public NDArray images(NDManager manager) {
        return manager.create(pixelsScaled(), new Shape(count(), pixelsPerImage()));
    }

    /**
     * The labels as an int64 array of shape (count). Int64 because they are class indices:
     * DJL's {@code SoftmaxCrossEntropyLoss} (sparse labels) picks the predicted log-probability
     * with them, and PyTorch's gather behind {@code pick} wants int64 indices.
     */
    public NDArray labels(NDManager manager) {
        long[] asLong = new long[labels.length];
        for (int i = 0; i < asLong.length; i++) {
            asLong[i] = labels[i];
        }
        return manager.create(asLong, new Shape(labels.length));
    }

    /** The images at {@code indices}, in that order (repeats allowed). */
    public ImageSet subset(int[] indices) {
        int size = pixelsPerImage();
        byte[] subPixels = new byte[indices.length * size];
        int[] subLabels = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            int i = indices[k];
            if (i < 0 || i >= count()) {
                throw new IndexOutOfBoundsException("subset index " + k + " is " + i
                        + ", outside this set of " + count() + " images");
            }
            System.arraycopy(pixels, i * size, subPixels, k * size, size);
            subLabels[k] = labels[i];
        }
        return new ImageSet(subPixels, subLabels, rows, cols);
    }

    /** Indices of the images of class {@code label}, ascending. */
    public int[] indicesOf(int label) {
        return java.util.stream.IntStream.range(0, labels.length).filter(i -> labels[i] == label).toArray();
    }

    /** How many images each class 0..numClasses-1 has; a label outside that range is an error. */
    public int[] classCounts(int numClasses) {
        int[] counts = new int[numClasses];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] >= numClasses) {
                throw new IllegalArgumentException("image " + i + " has label " + labels[i]
                        + ", outside 0.." + (numClasses - 1) + "; pass a larger numClasses");
            }
            counts[labels[i]]++;
        }
        return counts;
    }

    /** The number of classes implied by the labels: the largest label + 1 (0 when empty). */
    public int numClassesSeen() {
        return Arrays.stream(labels).max().orElse(-1) + 1;
    }

    @Override
    public String toString() {
        return "ImageSet[" + count() + " images of " + rows + "x" + cols + "]";
    }
}
