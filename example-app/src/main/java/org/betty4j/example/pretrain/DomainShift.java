package org.betty4j.example.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.betty4j.example.data.FashionMnistSplits;
import org.betty4j.runtime.data.ImageSet;

/**
 * The domain shift of program 4, built from the embedded Fashion-MNIST subset.
 *
 * <ul>
 *   <li><b>Source</b> (pretraining): the 2478 long-tailed training images, upright, with their
 *       labels (class counts 1000 … 10, imbalance factor 100).</li>
 *   <li><b>Target</b>: the same ten classes, every image rotated by 90° clockwise. Its label
 *       distribution is balanced, so source and target differ both in the input (rotation) and
 *       in the label distribution (long-tailed vs balanced).
 *     <ul>
 *       <li>target train (finetuning): the 100 meta images (10 per class), rotated;</li>
 *       <li>target validation (the reweighting problem's data): the first
 *           {@value #VALIDATION_PER_CLASS} images per class of the balanced test sample, rotated;</li>
 *       <li>target test (reported): the other {@code 200 − }{@value #VALIDATION_PER_CLASS}
 *           images per class, rotated.</li>
 *     </ul></li>
 * </ul>
 */
public record DomainShift(ImageSet source, ImageSet targetTrain, ImageSet targetValidation, ImageSet targetTest,
        ImageSet sourceTest) {

    public static final int VALIDATION_PER_CLASS = 30;

    public static DomainShift of(FashionMnistSplits splits) {
        ImageSet test = splits.test();
        List<Integer> validation = new ArrayList<>();
        List<Integer> rest = new ArrayList<>();
        for (int c = 0; c < 10; c++) {
            int[] idx = test.indicesOf(c);
            for (int i = 0; i < idx.length; i++) {
                (i < VALIDATION_PER_CLASS ? validation : rest).add(idx[i]);
            }
        }
        ImageSet testRest = test.subset(rest.stream().mapToInt(Integer::intValue).toArray());
        return new DomainShift(splits.train(), rotate(splits.meta()),
                rotate(test.subset(validation.stream().mapToInt(Integer::intValue).toArray())), rotate(testRest),
                testRest);
    }

    /** Every image rotated by 90° clockwise: {@code out[r][c] = in[rows − 1 − c][r]} (square images). */
    public static ImageSet rotate(ImageSet set) {
        int rows = set.rows();
        int cols = set.cols();
        if (rows != cols) {
            throw new IllegalArgumentException("rotation needs square images; got " + rows + "x" + cols);
        }
        byte[] in = set.pixelsUint8();
        byte[] out = new byte[in.length];
        int n = rows * cols;
        for (int i = 0; i < set.count(); i++) {
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    out[i * n + r * cols + c] = in[i * n + (rows - 1 - c) * cols + r];
                }
            }
        }
        return ImageSet.ofUint8(out, set.labels(), rows, cols);
    }

    /** Images of {@code set} as float32 (count, pixels) in [0, 1]. */
    static NDArray images(ImageSet set, NDManager manager) {
        return manager.create(set.pixelsScaled(), new Shape(set.count(), set.pixelsPerImage()));
    }
}
