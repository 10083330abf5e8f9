package org.betty4j.example.noisy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.betty4j.example.noisy.NoisyStudy.Result;
import org.betty4j.example.noisy.NoisyStudy.Settings;
import org.betty4j.example.noisy.NoisyStudy.Variant;
import org.betty4j.example.noisy.data.NoisyFashionMnist;
import org.betty4j.example.noisy.model.NoisyExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The noisy-label programs: data, noise, wiring, the metric and the quick mode of the study. */
class NoisyProgramsTest {

    @Test
    void correctPlusReweightHasTwoUpperProblemsOverOneClassifier() {
        assertEquals(List.of("Classifier", "Corrector", "Reweighter"), CorrectorEngine.EXECUTION_ORDER);
        org.betty4j.runtime.engine.Program program = CorrectorEngine.program();
        assertEquals(List.of(List.of("Corrector", "Classifier", "Corrector")), program.pathsOf("Corrector"));
        assertEquals(List.of(List.of("Reweighter", "Classifier", "Reweighter")), program.pathsOf("Reweighter"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = org.betty4j.runtime.cli.ProgramMain.run(CorrectorEngine::program, new String[] {"--graph", "--paths"},
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, code, err.toString());
        assertTrue(out.toString().contains("Corrector -> Classifier -> Corrector")
                && out.toString().contains("Reweighter -> Classifier -> Reweighter"), out.toString());
    }

    @Test
    void symmetricNoiseChangesExactlyTheRequestedShareToOtherClasses() {
        int[] clean = new int[5000];
        for (int i = 0; i < clean.length; i++) {
            clean[i] = i % 10;
        }
        int[] noisy = NoisyFashionMnist.corrupt(clean, 0.4, 7);
        int wrong = 0;
        int[] targets = new int[10];
        for (int i = 0; i < clean.length; i++) {
            if (noisy[i] != clean[i]) {
                wrong++;
                targets[noisy[i]]++;
            }
            assertTrue(noisy[i] >= 0 && noisy[i] < 10);
        }
        assertEquals(2000, wrong);
        // every class receives wrong labels, none more than twice its fair share (200)
        for (int t : targets) {
            assertTrue(t > 100 && t < 400, java.util.Arrays.toString(targets));
        }
        assertEquals(java.util.Arrays.toString(noisy), java.util.Arrays.toString(NoisyFashionMnist.corrupt(clean, 0.4, 7)));
        assertNotEquals(java.util.Arrays.toString(noisy), java.util.Arrays.toString(NoisyFashionMnist.corrupt(clean, 0.4, 8)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NoisyFashionMnist.corrupt(clean, 1.2, 1));
        assertTrue(e.getMessage().contains("1.2"), e.getMessage());
    }

    @Test
    void embeddedSetsAreBalancedDisjointAndTheRunSeesTheNoise() {
        NoisyExperiment.Sets sets = NoisyExperiment.of(Map.of(NoisyExperiment.NOISE_SEED, "3",
                NoisyExperiment.META_PER_CLASS, "10"));
        assertEquals(5000, sets.train().count());
        assertEquals(100, sets.meta().count());
        assertEquals(2000, sets.test().count());
        for (int count : sets.meta().classCounts(10)) {
            assertEquals(10, count);
        }
        assertEquals(0.4, sets.noiseFraction(), 1e-12);
        // no meta image is a training image (pixel-for-pixel)
        java.util.Set<String> train = new java.util.HashSet<>();
        byte[] px = sets.train().pixelsUint8();
        int p = sets.train().pixelsPerImage();
        for (int i = 0; i < sets.train().count(); i++) {
            train.add(java.util.Arrays.toString(java.util.Arrays.copyOfRange(px, i * p, (i + 1) * p)));
        }
        byte[] mpx = sets.meta().pixelsUint8();
        for (int i = 0; i < sets.meta().count(); i++) {
            assertTrue(!train.contains(java.util.Arrays.toString(java.util.Arrays.copyOfRange(mpx, i * p, (i + 1) * p))),
                    "meta image " + i + " is also a training image");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NoisyExperiment.of(Map.of(NoisyExperiment.META_PER_CLASS, "60")));
        assertTrue(e.getMessage().contains("60"), e.getMessage());
    }

    @Test
    void lastThirdAveragesOnlyTheEvaluationsAfterTwoThirds() {
        assertEquals(0.5, NoisyStudy.lastThird(new int[] {100, 200, 300}, new double[] {0.1, 0.2, 0.5}, 300), 1e-12);
        assertEquals(0.45, NoisyStudy.lastThird(new int[] {50, 100, 150, 200, 250, 300},
                new double[] {0, 0, 0, 0, 0.4, 0.5}, 300), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> NoisyStudy.lastThird(new int[] {100}, new double[] {1}, 300));
    }

    /**
     * A few dozen steps of each program on identical data: every program learns far above chance,
     * the upper problems' functions move away from their seed-independent starts, and the results
     * file and plot are written.
     */
    @Test
    void quickModeRunsTheThreeProgramsAndWritesTheTable(@TempDir Path dir) throws Exception {
        Settings settings = new Settings(60, 20, null, 1, 0, Map.of(NoisyExperiment.NOISE_SEED, "1"));
        Result base = NoisyStudy.run(Variant.BASELINE, 1, settings, false);
        Result both = NoisyStudy.run(Variant.CORRECT_REWEIGHT, 1, settings, false);
        assertTrue(base.finalAccuracy() > 0.4, "baseline " + base.finalAccuracy());
        assertTrue(both.finalAccuracy() > 0.4, "correct+reweight " + both.finalAccuracy());
        assertEquals(3, both.evalSteps().length);
        assertTrue(both.learned().contains("trust(loss)") && both.learned().contains("weight(loss)"), both.learned());
        // the starts are 0.5 (weights) and sigmoid(2) = 0.88 (trust) at every loss
        assertTrue(!both.learned().contains("4.00:0.50") || !both.learned().contains("4.00:0.88"), both.learned());

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = NoisyLabelsApp.execute(new String[] {"--seeds", "1", "--steps", "30", "--eval-every", "10",
            "--programs", "baseline,reweight", "--no-progress", "--results", dir.toString()},
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, code, err.toString());
        String md = Files.readString(dir.resolve("RESULTS.md"));
        assertTrue(md.contains("| baseline |") && md.contains("| reweight |"), md);
        assertTrue(Files.size(dir.resolve("test-accuracy.png")) > 1000);
    }

    @Test
    void badOptionsAreNamed() {
        StringWriter err = new StringWriter();
        int code = NoisyLabelsApp.execute(new String[] {"--steps", "30", "--eval-every", "20"},
                new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
        assertEquals(2, code);
        assertTrue(err.toString().contains("--eval-every 20"), err.toString());
        StringWriter err2 = new StringWriter();
        int code2 = NoisyLabelsApp.execute(new String[] {"--programs", "magic"},
                new PrintWriter(new StringWriter(), true), new PrintWriter(err2, true));
        assertEquals(2, code2, "an unknown program is a bad option, refused before training");
        assertTrue(err2.toString().contains("unknown program 'magic'"), err2.toString());
    }
}
