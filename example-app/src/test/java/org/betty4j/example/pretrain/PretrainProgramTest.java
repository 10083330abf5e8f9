package org.betty4j.example.pretrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.betty4j.example.model.ExperimentData;
import org.betty4j.runtime.cli.ProgramMain;
import org.betty4j.runtime.data.ImageSet;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Program 4 (pretrain / finetune / reweight): the domain shift, the three-level wiring, the quick mode. */
class PretrainProgramTest {

    @Test
    void generatedWiringHasThreeLevelsAndBothPaths() {
        assertEquals(List.of("Pretraining", "Finetuning", "SourceReweighting"), SourceReweightingEngine.EXECUTION_ORDER);
        assertEquals(2, SourceReweightingEngine.program().pathsOf("SourceReweighting").size(), SourceReweightingEngine.program().pathsOf("SourceReweighting").toString());
        assertTrue(SourceReweightingEngine.program().pathsOf("SourceReweighting").contains(
                List.of("SourceReweighting", "Finetuning", "Pretraining", "SourceReweighting")));
        assertTrue(SourceReweightingEngine.program().pathsOf("SourceReweighting").contains(List.of("SourceReweighting", "Pretraining", "SourceReweighting")));
    }

    @Test
    void rotationTurnsClockwiseAndFourTurnsAreTheIdentity() {
        byte[] pixels = new byte[28 * 28];
        pixels[0] = (byte) 200;             // top-left
        pixels[28 * 27 + 5] = (byte) 100;   // bottom row, column 5
        ImageSet one = ImageSet.ofUint8(pixels, new int[] {3}, 28, 28);
        byte[] turned = DomainShift.rotate(one).pixelsUint8();
        assertEquals((byte) 200, turned[27], "top-left goes to top-right");
        assertEquals((byte) 100, turned[28 * 5], "bottom row, column 5 goes to the left column, row 5");
        ImageSet four = DomainShift.rotate(DomainShift.rotate(DomainShift.rotate(DomainShift.rotate(one))));
        assertTrue(java.util.Arrays.equals(pixels, four.pixelsUint8()));
    }

    @Test
    void splitsHaveTheDocumentedSizes() {
        DomainShift shift = DomainShift.of(ExperimentData.load(null));
        assertEquals(2478, shift.source().count());
        assertEquals(100, shift.targetTrain().count());
        assertEquals(10 * DomainShift.VALIDATION_PER_CLASS, shift.targetValidation().count());
        assertEquals(2000 - 10 * DomainShift.VALIDATION_PER_CLASS, shift.targetTest().count());
        for (int c = 0; c < 10; c++) {
            assertEquals(DomainShift.VALIDATION_PER_CLASS, shift.targetValidation().classCounts(10)[c]);
        }
    }

    /** The hypergradient reaches the source weights; with learning rate 0 they stay uniform (the baseline). */
    @Test
    void reweightingMovesTheWeightsOnlyWhenItsRateIsPositive() {
        for (float lr : new float[] {0f, 0.05f}) {
            Map<String, String> options = Map.of(ProgramMain.learningRateKey("SourceReweighting"), String.valueOf(lr));
            try (Engine engine = SourceReweightingEngine.create(
                    EngineConfig.builder().optIterations(15).optSeed(2).optOptions(options).build())) {
                engine.run();
                assertEquals(15, engine.localSteps("SourceReweighting"));
                float[] w = ((SourceReweighting) engine.program().problem("SourceReweighting").trainable()).allWeights();
                int moved = 0;
                for (float v : w) {
                    moved += Math.abs(v - 0.5f) > 1e-6 ? 1 : 0;
                }
                if (lr == 0f) {
                    assertEquals(0, moved, "no weight may move with rate 0");
                } else {
                    // 15 batches of 100 source examples: at most 1500 examples had a gradient
                    assertTrue(moved > 100 && moved <= 1500, moved + " weights moved");
                }
            }
        }
    }

    @Test
    void quickModeWritesTheTableAndPlots(@TempDir Path dir) throws Exception {
        StringWriter log = new StringWriter();
        int code = PretrainApp.run(new String[] {"--quick", "--out", dir.toString()}, new PrintWriter(log, true));
        assertEquals(0, code, log.toString());
        String md = Files.readString(dir.resolve("results.md"));
        assertTrue(md.contains("| pretrain + finetune (baseline) |"), md);
        assertTrue(md.contains("| pretrain + finetune + reweight (MLO) |"), md);
        assertTrue(Files.size(dir.resolve("target-accuracy.png")) > 1000);
        assertTrue(Files.size(dir.resolve("class-weights.png")) > 1000);
    }
}
