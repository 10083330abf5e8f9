package ${package};

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.betty4j.runtime.data.ArrayBatchSource;
import org.betty4j.runtime.data.BatchSource;

/**
 * A linearly separable binary task with a fixed seed (Betty's logistic-regression example):
 * label = [x·w + 0.1·noise > 0], 20 features; the learner trains on one half, the tuner
 * validates on the other.
 */
final class SyntheticData {

    static final int FEATURES = 20;
    private static final int SAMPLES = 400;

    private SyntheticData() {}

    /** Full-batch source of one half ({@code validation} false: train, true: validation). */
    static BatchSource half(NDManager manager, boolean validation) {
        Random r = new Random(2022);
        float[] w = new float[FEATURES];
        for (int j = 0; j < FEATURES; j++) {
            w[j] = (float) r.nextGaussian();
        }
        float[] x = new float[SAMPLES * FEATURES];
        float[] y = new float[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            double score = 0.1 * r.nextGaussian();
            for (int j = 0; j < FEATURES; j++) {
                x[i * FEATURES + j] = (float) r.nextGaussian();
                score += x[i * FEATURES + j] * w[j];
            }
            y[i] = score > 0 ? 1f : 0f;
        }
        int half = SAMPLES / 2;
        int from = validation ? half : 0;
        float[] xs = java.util.Arrays.copyOfRange(x, from * FEATURES, (from + half) * FEATURES);
        float[] ys = java.util.Arrays.copyOfRange(y, from, from + half);
        NDArray features = manager.create(xs, new Shape(half, FEATURES));
        NDArray labels = manager.create(ys, new Shape(half));
        return ArrayBatchSource.builder(features.toType(DataType.FLOAT32, false), labels)
                .optBatchSize(half).optShuffle(false).build();
    }

    /** Mean binary cross-entropy of {@code x·w} against {@code y}, in its stable form. */
    static NDArray bce(NDArray x, NDArray y, NDArray w) {
        NDArray z = x.matMul(w);
        return z.maximum(0).sub(z.mul(y)).add(z.abs().neg().exp().add(1).log()).mean();
    }
}
