package org.betty4j.example.frozen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.betty4j.example.model.ExperimentData;
import org.betty4j.example.model.ImageClassifier.Evaluation;
import org.betty4j.runtime.cli.ProgramMain;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.EngineListener;
import org.betty4j.runtime.onnx.OnnxExporter;
import org.betty4j.runtime.onnx.OnnxSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The frozen-extractor program: a head trained on features ONNX Runtime computes with the
 * extractor DJL pretrained on classes 0-4, weighted by a level-2 net.
 */
class FrozenExtractorProgramTest {

    static Path extractor;

    @TempDir
    Path dir;

    @BeforeAll
    static void pretrainOnce() {
        // the real default extractor (300 DJL steps), pretrained once per machine and cached
        extractor = FrozenExtractor.ensureDefault(ExperimentData.load(null).train());
    }

    @Test
    void pretrainedExtractorIsSmallAndDeclaresImagesToFeatures() throws Exception {
        assertTrue(Files.size(extractor) < 1_000_000, "extractor is " + Files.size(extractor) + " bytes");
        try (OnnxSession s = OnnxSession.open(extractor)) {
            assertEquals(FrozenExtractor.FEATURES, FrozenExtractor.featureCount(s, 784));
        }
    }

    @Test
    void pretrainingLearnsItsFiveClasses() {
        FrozenExtractor.Pretrained p = FrozenExtractor.pretrain(ExperimentData.load(null).train(), 100, 3,
                dir.resolve("short.onnx"));
        assertEquals(2302, p.images(), "images of classes 0-4 in the long-tailed set");
        // chance is 20% (43% always guessing class 0); 100 Adam steps reach well above
        assertTrue(p.pretrainAccuracy() > 0.7, "pretraining accuracy " + p.pretrainAccuracy());
        assertTrue(Files.isRegularFile(p.file()));
    }

    @Test
    void shortRunLearnsAboveChance() {
        Evaluation[] evaluation = new Evaluation[1];
        HeadClassifier[] head = new HeadClassifier[1];
        float[][] weightingBefore = new float[1][];
        EngineConfig config = EngineConfig.builder().optIterations(120).optSeed(5)
                .optOption(HeadClassifier.EXTRACTOR_OPTION, extractor.toString()).build();
        try (Engine engine = SampleWeightingEngine.create(config)) {
            engine.addListener(new EngineListener() {
                @Override
                public void onRunStart(Engine e) {
                    weightingBefore[0] = e.parameters("SampleWeighting").get(2).toFloatArray();
                }

                @Override
                public void onRunEnd(Engine e) {
                    head[0] = (HeadClassifier) e.program().problem("HeadClassifier").trainable();
                    try (NDManager m = NDManager.newBaseManager()) {
                        evaluation[0] = head[0].evaluate(ExperimentData.load(null).test(), m);
                    }
                }
            });
            engine.run();
            assertEquals(120, engine.localSteps("SampleWeighting"));
            // the hypergradient reached the weighting net's (zero-initialised) output layer
            assertNotEquals(Arrays.toString(weightingBefore[0]),
                    Arrays.toString(engine.parameters("SampleWeighting").get(2).toFloatArray()));
        }
        // the extractor session was closed with the engine
        try (NDManager m = NDManager.newBaseManager()) {
            IllegalStateException closed = assertThrows(IllegalStateException.class,
                    () -> head[0].extractor().run(m, m.zeros(new Shape(1, 784))));
            assertTrue(closed.getMessage().contains("is closed"), closed.getMessage());
        }
        // chance is 10% on the balanced test set; 100 steps reached 51% when measured
        assertTrue(evaluation[0].overall() > 0.35, "test accuracy " + evaluation[0].overall());
    }

    @Test
    void generatedMainRunsAndExportsTheHead() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Path exportDir = dir.resolve("export");
        int code = ProgramMain.run(SampleWeightingEngine::program, new String[] {"--iterations", "10", "--log-every", "0",
            "--set", "extractor=" + extractor, "--export-onnx", exportDir.toString(), "--validate-every", "10"},
                new PrintWriter(out), new PrintWriter(err));
        assertEquals(ProgramMain.OK, code, err.toString());
        assertTrue(out.toString().contains("HeadClassifier: balanced test accuracy="), out.toString());
        try (OnnxSession head = OnnxSession.open(exportDir.resolve("HeadClassifier.onnx"))) {
            assertEquals(new Shape(-1, FrozenExtractor.FEATURES), head.inputs().get(0).shape());
            assertEquals(new Shape(-1, 10), head.outputs().get(0).shape());
        }
    }

    @Test
    void extractorForOtherInputsIsAClearError() {
        Path wrong = dir.resolve("wrong.onnx");
        try (NDManager m = NDManager.newBaseManager()) {
            SequentialBlock net = new SequentialBlock().add(Linear.builder().setUnits(4).build());
            net.initialize(m, DataType.FLOAT32, new Shape(1, 10));
            OnnxExporter.export(net, new Shape(1, 10), wrong);
        }
        StringWriter err = new StringWriter();
        int code = ProgramMain.run(SampleWeightingEngine::program,
                new String[] {"--iterations", "1", "--set", "extractor=" + wrong},
                new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(ProgramMain.RUN_FAILED, code);
        assertTrue(err.toString().contains("extractor " + wrong + " input input: expected float32 (batch, 784) images,"
                + " the model declares float32 (-1, 10)"), err.toString());
    }

    @Test
    void missingExtractorNamesTheFile() {
        Path missing = dir.resolve("missing.onnx");
        StringWriter err = new StringWriter();
        int code = ProgramMain.run(SampleWeightingEngine::program,
                new String[] {"--iterations", "1", "--set", "extractor=" + missing},
                new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(ProgramMain.RUN_FAILED, code);
        assertTrue(err.toString().contains("ONNX model file " + missing.toAbsolutePath() + " does not exist"),
                err.toString());
    }
}
