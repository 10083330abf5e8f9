package org.betty4j.runtime.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DJL forward vs ONNX Runtime forward of the exported file, float32. Tolerance 1e-5 absolute:
 * both compute the same float32 sums in different orders (MKL/PyTorch vs ONNX Runtime's MLAS);
 * with fan-in up to 784 and outputs of order 1 the rounding differences are ~1e-6.
 */
class OnnxExporterParityTest {

    static final double TOLERANCE = 1e-5;

    @TempDir
    Path dir;

    @Test
    void randomMlpWithReluSigmoidTanhMatches() {
        SequentialBlock net = new SequentialBlock()
                .add(Linear.builder().setUnits(64).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(32).build())
                .add(Activation.sigmoidBlock())
                .add(Linear.builder().setUnits(16).build())
                .add(Activation.tanhBlock())
                .add(Linear.builder().setUnits(10).build());
        double err = maxError("mlp", net, new Shape(1, 784), new Shape(300, 784), 1);
        assertTrue(err <= TOLERANCE, "max |DJL - ORT| " + err);
    }

    @Test
    void flattenSoftplusNestedBlocksAndNoBiasMatch() {
        SequentialBlock inner = new SequentialBlock()
                .add(Linear.builder().setUnits(20).optBias(false).build())
                .add(Activation.softPlusBlock());
        SequentialBlock net = new SequentialBlock()
                .add(Blocks.batchFlattenBlock())
                .add(inner)
                .add(Blocks.identityBlock())
                .add(Linear.builder().setUnits(3).build());
        double err = maxError("flatten", net, new Shape(1, 2, 6, 6), new Shape(50, 2, 6, 6), 2);
        assertTrue(err <= TOLERANCE, "max |DJL - ORT| " + err);
    }

    @Test
    void unnamedSigmoidLambdaIsRecognised() {
        // the Meta-Weight-Net shape: a sigmoid added as a method reference has no name
        SequentialBlock net = new SequentialBlock()
                .add(Linear.builder().setUnits(100).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(1).build())
                .add(Activation::sigmoid);
        double err = maxError("mwn", net, new Shape(1, 1), new Shape(64, 1), 3);
        assertTrue(err <= TOLERANCE, "max |DJL - ORT| " + err);
    }

    @Test
    void batchedRunEqualsOneRun() {
        SequentialBlock net = new SequentialBlock()
                .add(Linear.builder().setUnits(8).build())
                .add(Activation.tanhBlock());
        try (NDManager m = NDManager.newBaseManager()) {
            ai.djl.engine.Engine.getEngine("PyTorch").setRandomSeed(4);
            net.initialize(m, DataType.FLOAT32, new Shape(1, 5));
            Path file = OnnxExporter.export(net, new Shape(1, 5), dir.resolve("b.onnx"));
            NDArray x = m.randomNormal(new Shape(2500, 5));
            try (OnnxSession whole = OnnxSession.builder(file).optBatchSize(5000).build();
                    OnnxSession batched = OnnxSession.builder(file).optBatchSize(1000).build()) {
                NDArray a = whole.run(m, x);
                NDArray b = batched.run(m, x);
                assertEquals(new Shape(2500, 8), b.getShape());
                // the same kernel on the same rows: batching must not change a single value
                assertEquals(0.0, a.sub(b).abs().max().getFloat(), "batched output differs");
                // a non-contiguous view (a transpose) is read in logical order, as DJL's own forward reads it
                NDArray transposed = m.randomNormal(new Shape(5, 300)).transpose();
                NDArray djl = net.forward(new ParameterStore(m, false), new NDList(transposed), false).singletonOrThrow();
                double err = djl.sub(whole.run(m, transposed)).abs().max().getFloat();
                assertTrue(err <= TOLERANCE, "transposed input: max |DJL - ORT| " + err);
            }
        }
    }

    /** Initializes, exports, runs both ways on a random input; returns max |DJL - ORT|. */
    static double maxError(String name, Block net, Shape initShape, Shape inputShape, int seed, Path dir) {
        try (NDManager m = NDManager.newBaseManager()) {
            ai.djl.engine.Engine.getEngine("PyTorch").setRandomSeed(seed);
            net.initialize(m, DataType.FLOAT32, initShape);
            NDArray x = m.randomNormal(inputShape);
            NDArray expected = net.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
            Path file = OnnxExporter.export(net, initShape, dir.resolve(name + ".onnx"));
            try (OnnxSession session = OnnxSession.open(file)) {
                NDArray actual = session.run(m, x);
                assertEquals(expected.getShape(), actual.getShape());
                assertTrue(!actual.hasGradient(), "ORT output must carry no gradient");
                double err = expected.sub(actual).abs().max().getFloat();
                System.out.printf("parity %s %s -> %s: max |DJL - ORT| = %.3e%n", name, inputShape,
                        expected.getShape(), err);
                return err;
            }
        }
    }

    private double maxError(String name, Block net, Shape initShape, Shape inputShape, int seed) {
        return maxError(name, net, initShape, inputShape, seed, dir);
    }
}
