package org.betty4j.example.frozen;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.betty4j.example.model.ImageClassifier;
import org.betty4j.example.model.ImageClassifier.Evaluation;
import org.betty4j.runtime.data.ImageSet;
import org.betty4j.runtime.onnx.ExecutionProvider;
import org.betty4j.runtime.onnx.OnnxExporter;
import org.betty4j.runtime.onnx.OnnxSession;

/**
 * A trained classifier evaluated twice on the same test set: by DJL and, after export to ONNX,
 * by ONNX Runtime. The two must agree (logits within 1e-5, identical accuracy).
 *
 * @param djl the accuracy counts from DJL's forward pass
 * @param onnx the accuracy counts from ONNX Runtime's forward pass of the exported file
 * @param maxLogitDifference the largest |DJL logit - ONNX Runtime logit| over the test set
 * @param provider the execution provider ONNX Runtime used
 */
public record OnnxCheck(Evaluation djl, Evaluation onnx, double maxLogitDifference, ExecutionProvider provider) {

    /** Agreement required of the two forward passes (float32, fan-in 784: rounding differences ~1e-6). */
    public static final double TOLERANCE = 1e-5;

    /** Exports {@code model} to a temporary file, runs both forward passes on {@code set}, compares. */
    public static OnnxCheck of(ImageClassifier model, ImageSet set, NDManager parent) {
        Path file;
        try {
            file = Files.createTempFile("betty4j-classifier-", ".onnx");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary ONNX file: " + e.getMessage(), e);
        }
        try (NDManager m = parent.newSubManager()) {
            OnnxExporter.export(model.block(), new Shape(1, set.pixelsPerImage()), file);
            NDArray images = set.images(m);
            m.tempAttachAll(model.block().getParameters().values().stream()
                    .map(p -> p.getArray()).toArray(NDArray[]::new));
            NDArray djlLogits = model.logits(images, false);
            try (OnnxSession session = OnnxSession.open(file)) {
                NDArray onnxLogits = session.run(m, images);
                double diff = djlLogits.sub(onnxLogits).abs().max().getFloat();
                int[] labels = set.labels();
                return new OnnxCheck(count(djlLogits, labels, ImageClassifier.CLASSES),
                        count(onnxLogits, labels, ImageClassifier.CLASSES), diff, session.provider());
            }
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a leftover temporary file is harmless
            }
        }
    }

    /** True when the logits agree within {@link #TOLERANCE} and every per-class count is identical. */
    public boolean agrees() {
        return maxLogitDifference <= TOLERANCE && java.util.Arrays.equals(djl.correct(), onnx.correct());
    }

    /** Per-class accuracy counts of the arg-max of {@code logits} (batch, classes). */
    static Evaluation count(NDArray logits, int[] labels, int classes) {
        long[] predicted = logits.argMax(1).toLongArray();
        int[] correct = new int[classes];
        int[] total = new int[classes];
        for (int i = 0; i < predicted.length; i++) {
            total[labels[i]]++;
            if (predicted[i] == labels[i]) {
                correct[labels[i]]++;
            }
        }
        return new Evaluation(correct, total);
    }
}
