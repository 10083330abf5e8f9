package org.betty4j.example.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import org.betty4j.runtime.data.IdxFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A label outside Fashion-MNIST's ten classes, in the training or the test labels, is refused
 * when the files are read, with the label file, the index and the value named.
 */
class LabelRangeTest {

    private static void writeSet(Path dir, String images, String labels, int[] labelValues) throws IOException {
        IdxFiles.writeImages(dir.resolve(images + ".gz"), new byte[labelValues.length * 4], labelValues.length, 2, 2);
        IdxFiles.writeLabels(dir.resolve(labels + ".gz"), labelValues);
    }

    @Test
    void aTestLabelOutOfRangeNamesTheTestLabelFile(@TempDir Path dir) {
        IOException e = assertThrows(IOException.class, () -> {
            writeSet(dir, FashionMnistSplits.FULL_TRAIN_IMAGES, FashionMnistSplits.FULL_TRAIN_LABELS,
                    new int[] {0, 1, 2, 9});
            writeSet(dir, FashionMnistSplits.FULL_TEST_IMAGES, FashionMnistSplits.FULL_TEST_LABELS,
                    new int[] {3, 200, 4});
            FashionMnistSplits.fromDirectory(dir);
        });
        assertEquals(dir.resolve(FashionMnistSplits.FULL_TEST_LABELS + ".gz") + ": label 1 is 200, outside the class"
                + " indices 0..9 (1 of 3 labels are outside); is this the label file of a 10-class data set?",
                e.getMessage());
    }

    @Test
    void aTrainingLabelOutOfRangeNamesTheTrainingLabelFile(@TempDir Path dir) {
        IOException e = assertThrows(IOException.class, () -> {
            writeSet(dir, FashionMnistSplits.FULL_TRAIN_IMAGES, FashionMnistSplits.FULL_TRAIN_LABELS,
                    new int[] {0, 10, 11, 9});
            writeSet(dir, FashionMnistSplits.FULL_TEST_IMAGES, FashionMnistSplits.FULL_TEST_LABELS, new int[] {3});
            FashionMnistSplits.fromDirectory(dir);
        });
        assertEquals(dir.resolve(FashionMnistSplits.FULL_TRAIN_LABELS + ".gz") + ": label 1 is 10, outside the class"
                + " indices 0..9 (2 of 4 labels are outside); is this the label file of a 10-class data set?",
                e.getMessage());
    }
}
