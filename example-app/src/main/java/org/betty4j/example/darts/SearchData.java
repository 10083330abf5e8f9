package org.betty4j.example.darts;

import java.util.ArrayList;
import java.util.List;
import org.betty4j.example.data.FashionMnistSplits;
import org.betty4j.runtime.data.ImageSet;

/**
 * The balanced Fashion-MNIST subset of program 5, from the embedded balanced test sample (200
 * images per class, the only class-balanced part of the embedded data): per class the first
 * {@value #TRAIN_PER_CLASS} images train the weights (search and retraining), the next
 * {@value #VALIDATION_PER_CLASS} are the architecture's validation data, the last
 * {@value #TEST_PER_CLASS} are the test set the derived architectures are reported on.
 */
public record SearchData(ImageSet train, ImageSet validation, ImageSet test) {

    public static final int TRAIN_PER_CLASS = 100;
    public static final int VALIDATION_PER_CLASS = 50;
    public static final int TEST_PER_CLASS = 50;

    public static SearchData of(FashionMnistSplits splits) {
        ImageSet all = splits.test();
        List<Integer> train = new ArrayList<>();
        List<Integer> validation = new ArrayList<>();
        List<Integer> test = new ArrayList<>();
        for (int c = 0; c < 10; c++) {
            int[] idx = all.indicesOf(c);
            if (idx.length < TRAIN_PER_CLASS + VALIDATION_PER_CLASS + TEST_PER_CLASS) {
                throw new IllegalArgumentException("class " + c + " has " + idx.length + " balanced images; the search"
                        + " needs " + (TRAIN_PER_CLASS + VALIDATION_PER_CLASS + TEST_PER_CLASS));
            }
            for (int i = 0; i < TRAIN_PER_CLASS + VALIDATION_PER_CLASS + TEST_PER_CLASS; i++) {
                (i < TRAIN_PER_CLASS ? train : i < TRAIN_PER_CLASS + VALIDATION_PER_CLASS ? validation : test).add(idx[i]);
            }
        }
        return new SearchData(all.subset(ints(train)), all.subset(ints(validation)), all.subset(ints(test)));
    }

    private static int[] ints(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }
}
