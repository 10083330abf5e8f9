package org.betty4j.runtime.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.onnx.proto.OnnxMl;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;

/** Every error the ONNX support reports: each names the file or layer, the tensor and what was expected. */
class OnnxErrorsTest {

    @TempDir
    Path dir;

    NDManager m;
    Path mlp;

    @BeforeEach
    void exportSmallMlp() {
        m = NDManager.newBaseManager();
        SequentialBlock net = new SequentialBlock()
                .add(Linear.builder().setUnits(4).build())
                .add(Activation.reluBlock());
        net.initialize(m, DataType.FLOAT32, new Shape(1, 6));
        mlp = OnnxExporter.export(net, new Shape(1, 6), dir.resolve("mlp.onnx"));
    }

    @AfterEach
    void close() {
        m.close();
    }

    @Test
    void missingFileNamesThePath() {
        Path missing = dir.resolve("nope/extractor.onnx");
        OnnxModelException e = assertThrows(OnnxModelException.class, () -> OnnxSession.open(missing));
        assertTrue(e.getMessage().contains(missing.toAbsolutePath().toString()) && e.getMessage().contains("does not exist"),
                e.getMessage());
    }

    @Test
    void directoryIsNotAReadableFile() {
        OnnxModelException e = assertThrows(OnnxModelException.class, () -> OnnxSession.open(dir));
        assertTrue(e.getMessage().contains(dir.toAbsolutePath().toString())
                && e.getMessage().contains("not a readable file"), e.getMessage());
    }

    @Test
    void garbageFileIsALoadErrorNamingThePath() throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage.onnx"), "this is not a protobuf model");
        OnnxModelException e = assertThrows(OnnxModelException.class, () -> OnnxSession.open(garbage));
        assertTrue(e.getMessage().contains("cannot load model " + garbage), e.getMessage());
    }

    @Test
    void wrongElementTypeNamesTheTensorExpectedAndGot() {
        try (OnnxSession s = OnnxSession.open(mlp)) {
            NDArray doubles = m.zeros(new Shape(3, 6), DataType.FLOAT64);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.run(m, doubles));
            assertEquals("model " + mlp + " input input: expected element type float32, got float64 (3, 6);"
                    + " convert with toType(DataType.FLOAT32, false)", e.getMessage());
        }
    }

    @Test
    void wrongShapeNamesTheTensorExpectedAndGot() {
        try (OnnxSession s = OnnxSession.open(mlp)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.run(m, m.zeros(new Shape(3, 7))));
            assertEquals("model " + mlp + " input input: expected shape (-1, 6) (-1: any size), got (3, 7)",
                    e.getMessage());
            IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
                    () -> s.run(m, m.zeros(new Shape(6))));
            assertTrue(rank.getMessage().contains("got (6)"), rank.getMessage());
        }
    }

    @Test
    void wrongNumberOfInputsIsAnError() {
        try (OnnxSession s = OnnxSession.open(mlp)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.run(m, new NDList(m.zeros(new Shape(1, 6)), m.zeros(new Shape(1, 6)))));
            assertTrue(e.getMessage().contains("declares 1 inputs") && e.getMessage().contains("got 2 arrays"),
                    e.getMessage());
        }
    }

    @Test
    void singleOutputRunOnATwoOutputModelIsAnError() throws Exception {
        Path twoOutputs = twoOutputModel();
        try (OnnxSession s = OnnxSession.open(twoOutputs)) {
            assertEquals(2, s.outputs().size());
            NDArray x = m.create(new float[] {-1f, 2f, 0.5f}, new Shape(1, 3));
            OnnxModelException e = assertThrows(OnnxModelException.class, () -> s.run(m, x));
            assertTrue(e.getMessage().contains("declares 2 outputs") && e.getMessage().contains("'relu_out'")
                    && e.getMessage().contains("'sigmoid_out'"), e.getMessage());
            // the multi-output call works and keeps the declared order
            NDList both = s.run(m, new NDList(x));
            assertEquals(0f, both.get(0).getFloat(0, 0));
            assertEquals(1 / (1 + Math.exp(1)), both.get(1).getFloat(0, 0), 1e-7);
        }
    }

    @Test
    void sessionClosesWithTheManagerItIsAttachedTo() {
        NDManager problemManager = m.newSubManager();
        OnnxSession s = OnnxSession.builder(mlp).optCloseWith(problemManager).build();
        assertEquals(new Shape(2, 4), s.run(m, m.ones(new Shape(2, 6))).getShape());
        problemManager.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.run(m, m.ones(new Shape(2, 6))));
        assertTrue(e.getMessage().contains("is closed"), e.getMessage());
        s.close(); // idempotent
    }

    @Test
    void unsupportedLayerNamesTheBlockAndItsType() {
        SequentialBlock net = new SequentialBlock()
                .add(Linear.builder().setUnits(4).build())
                .add(Dropout.builder().optRate(0.5f).build());
        net.initialize(m, DataType.FLOAT32, new Shape(1, 6));
        UnsupportedLayerException e = assertThrows(UnsupportedLayerException.class,
                () -> OnnxExporter.toModel(net, new Shape(1, 6), "withDropout"));
        assertTrue(e.getMessage().contains("layer withDropout/02Dropout")
                && e.getMessage().contains("ai.djl.nn.norm.Dropout"), e.getMessage());
    }

    @Test
    void unknownLambdaAndLinearOnImagesAreRejected() {
        SequentialBlock gelu = new SequentialBlock().add(Linear.builder().setUnits(4).build()).add(Activation.geluBlock());
        gelu.initialize(m, DataType.FLOAT32, new Shape(1, 6));
        UnsupportedLayerException e1 = assertThrows(UnsupportedLayerException.class,
                () -> OnnxExporter.toModel(gelu, new Shape(1, 6), "g"));
        assertTrue(e1.getMessage().contains("lambda block 'GELU'"), e1.getMessage());

        SequentialBlock doubled = new SequentialBlock().add(Linear.builder().setUnits(4).build()).add(x -> new NDList(x.head().mul(2)));
        doubled.initialize(m, DataType.FLOAT32, new Shape(1, 6));
        UnsupportedLayerException e2 = assertThrows(UnsupportedLayerException.class,
                () -> OnnxExporter.toModel(doubled, new Shape(1, 6), "d"));
        assertTrue(e2.getMessage().contains("unnamed lambda block"), e2.getMessage());

        SequentialBlock onImages = new SequentialBlock().add(Linear.builder().setUnits(4).build());
        onImages.initialize(m, DataType.FLOAT32, new Shape(1, 1, 28, 28));
        UnsupportedLayerException e3 = assertThrows(UnsupportedLayerException.class,
                () -> OnnxExporter.toModel(onImages, new Shape(1, 1, 28, 28), "img"));
        assertTrue(e3.getMessage().contains("rank-4 input (1, 1, 28, 28)")
                && e3.getMessage().contains("batchFlattenBlock"), e3.getMessage());
    }

    @Test
    void uninitializedBlockIsRejected() {
        SequentialBlock net = new SequentialBlock().add(Linear.builder().setUnits(4).build());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> OnnxExporter.toModel(net, new Shape(1, 6), "fresh"));
        assertTrue(e.getMessage().contains("not initialized"), e.getMessage());
    }

    /** x -> (Relu(x), Sigmoid(x)), built directly with tribuo-util-onnx. */
    private Path twoOutputModel() throws Exception {
        ONNXContext ctx = new ONNXContext();
        ONNXPlaceholder x = ctx.floatInput("x", 3);
        x.apply(ExtraOperators.RELU).assignTo(ctx.floatOutput("relu_out", 3));
        x.apply(ONNXOperators.SIGMOID).assignTo(ctx.floatOutput("sigmoid_out", 3));
        OnnxMl.ModelProto model = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(OnnxExporter.IR_VERSION)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OnnxExporter.OPSET))
                .setGraph(ctx.buildGraph())
                .build();
        Path file = dir.resolve("two-outputs.onnx");
        Files.write(file, model.toByteArray());
        return file;
    }
}
