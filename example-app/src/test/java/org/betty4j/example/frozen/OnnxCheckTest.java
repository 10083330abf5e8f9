package org.betty4j.example.frozen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import org.betty4j.example.baseline.BaselineClassifier;
import org.betty4j.example.baseline.BaselineClassifierEngine;
import org.betty4j.example.model.ExperimentData;
import org.betty4j.runtime.data.ImageSet;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.EngineListener;
import org.junit.jupiter.api.Test;

/** The example app's final evaluation through ONNX Runtime agrees with DJL's. */
class OnnxCheckTest {

    @Test
    void trainedClassifierGivesTheSameLogitsAndAccuracyInOnnxRuntime() {
        ImageSet test = ExperimentData.load(null).test();
        OnnxCheck[] check = new OnnxCheck[1];
        try (Engine engine = BaselineClassifierEngine.create(EngineConfig.builder().optIterations(60).optSeed(2).build())) {
            engine.addListener(new EngineListener() {
                @Override
                public void onRunEnd(Engine e) {
                    BaselineClassifier c = (BaselineClassifier) e.program().problem("Classifier").trainable();
                    try (NDManager m = NDManager.newBaseManager()) {
                        check[0] = OnnxCheck.of(c.model(), test, m);
                        // the DJL side matches the app's own evaluation
                        assertArrayEquals(c.model().evaluate(test, m).correct(), check[0].djl().correct());
                    }
                }
            });
            engine.run();
        }
        OnnxCheck c = check[0];
        System.out.printf("classifier on %d test images: DJL %.2f%%, ONNX Runtime %.2f%% (%s), max |logit diff| %.3e%n",
                test.count(), 100 * c.djl().overall(), 100 * c.onnx().overall(), c.provider(), c.maxLogitDifference());
        assertTrue(c.maxLogitDifference() <= OnnxCheck.TOLERANCE, "max |logit diff| " + c.maxLogitDifference());
        assertArrayEquals(c.djl().correct(), c.onnx().correct(), "per-class correct counts differ");
        assertEquals(c.djl().overall(), c.onnx().overall());
        assertTrue(c.agrees());
        assertTrue(c.djl().overall() > 0.3, "the classifier trained: " + c.djl().overall());
    }
}
