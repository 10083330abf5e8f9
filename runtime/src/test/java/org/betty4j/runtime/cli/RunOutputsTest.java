package org.betty4j.runtime.cli;

import static org.betty4j.runtime.cli.ProgramMainTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.betty4j.runtime.cli.ProgramMainTest.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --metrics-file, --plots and --early-stop on the one-parameter quadratic (cost (w - 3)²,
 * w₀ = 0, SGD): with learning rate 0.25 every step halves the distance to 3, so w before the
 * steps is 0, 1.5, 2.25, 2.625, ..., the losses 9, 2.25, 0.5625, ... and the validated
 * distance after step k is 3 / 2^k. Closed forms, compared to 1e-9 (float64 arithmetic on
 * numbers exact in binary).
 */
class RunOutputsTest {

    private static final double TOLERANCE = 1e-9;

    @Test
    void metricsFileHoldsEveryStepsLossAndMetricsAndEveryValidation(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("run/metrics.jsonl");
        Run run = run(() -> ProgramMainTest.solo(true), "--iterations", "3", "--lr", "Solo=0.25", "--log-every", "0",
                "--validate-every", "2", "--metrics-file", file.toString());
        assertEquals(ProgramMain.OK, run.exitCode(), run.err());
        List<JsonObject> lines = Files.readAllLines(file).stream().map(l -> JsonParser.parseString(l).getAsJsonObject())
                .toList();
        // 3 steps, validations after step 2 and at the end (step 3)
        assertEquals(List.of("step", "step", "validation", "step", "validation"),
                lines.stream().map(o -> o.get("type").getAsString()).toList());
        double[] expectedLoss = {9, 2.25, 0.5625};
        double[] expectedW = {0, 1.5, 2.25};
        List<JsonObject> steps = lines.stream().filter(o -> o.get("type").getAsString().equals("step")).toList();
        for (int k = 0; k < 3; k++) {
            JsonObject step = steps.get(k);
            assertEquals("Solo", step.get("problem").getAsString());
            assertEquals(k + 1, step.get("global_step").getAsInt());
            assertEquals(k + 1, step.get("local_step").getAsInt());
            assertEquals(expectedLoss[k], step.get("loss").getAsDouble(), TOLERANCE);
            assertEquals(expectedW[k], step.getAsJsonObject("metrics").get("w").getAsDouble(), TOLERANCE);
        }
        JsonObject validation = lines.get(2);
        assertEquals(2, validation.get("global_step").getAsInt());
        assertEquals(0.75, validation.getAsJsonObject("metrics").get("distance").getAsDouble(), TOLERANCE);
        assertEquals(0.375, lines.get(4).getAsJsonObject("metrics").get("distance").getAsDouble(), TOLERANCE);
    }

    @Test
    void plotsWritesOneValidPngPerProblem(@TempDir Path dir) throws IOException {
        Path plots = dir.resolve("plots");
        Run run = run(ProgramMainTest::bilevel, "--iterations", "5", "--log-every", "0", "--plots", plots.toString());
        assertEquals(ProgramMain.OK, run.exitCode(), run.err());
        for (String problem : List.of("Low", "High")) {
            Path png = plots.resolve(problem + "-loss.png");
            assertTrue(Files.size(png) > 0, png + " is empty");
            byte[] signature = new byte[8];
            try (InputStream in = Files.newInputStream(png)) {
                assertEquals(8, in.read(signature));
            }
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, signature, png.toString());
            assertEquals(List.of(800, 500), imageSize(png));
        }
    }

    private static List<Integer> imageSize(Path png) throws IOException {
        java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(png.toFile());
        return List.of(image.getWidth(), image.getHeight());
    }

    /**
     * The distance shrinks every step, so "max" sees no improvement after step 1: with
     * patience 2 the run stops after global step 3 of 10 (three loss rows); "min" improves
     * every time and runs all 10 steps.
     */
    @Test
    void earlyStopEndsTheRunCleanlyAfterPatienceValidations(@TempDir Path dir) throws IOException {
        Run stopped = run(() -> ProgramMainTest.solo(true), "--iterations", "10", "--lr", "Solo=0.25", "--log-every", "0",
                "--validate-every", "1", "--early-stop", "Solo.distance:max:2", "--output-dir", dir.resolve("a").toString());
        assertEquals(ProgramMain.OK, stopped.exitCode(), stopped.err());
        assertEquals(4, Files.readAllLines(dir.resolve("a/losses.csv")).size(), "header + 3 steps");
        assertTrue(stopped.out().contains("early stopping: Solo.distance has not improved for 2 validation(s);"
                + " best max = 1.50000 at global step 1"), stopped.out());
        // the end-of-run validation is not repeated for the step already validated
        assertEquals(4, Files.readAllLines(dir.resolve("a/validation.csv")).size(), "header + 3 validations");

        Run full = run(() -> ProgramMainTest.solo(true), "--iterations", "10", "--lr", "Solo=0.25", "--log-every", "0",
                "--validate-every", "1", "--early-stop", "Solo.distance:min:2", "--output-dir", dir.resolve("b").toString());
        assertEquals(ProgramMain.OK, full.exitCode(), full.err());
        assertEquals(11, Files.readAllLines(dir.resolve("b/losses.csv")).size(), "header + 10 steps");
        assertFalse(full.out().contains("early stopping"), full.out());
    }

    @Test
    void earlyStopThatCannotWorkIsABadOption() {
        expectBadOption(run(() -> ProgramMainTest.solo(true), "--early-stop", "Solo.distance:min:2"),
                "needs validations: add --validate-every N");
        expectBadOption(run(() -> ProgramMainTest.solo(true), "--validate-every", "1", "--early-stop", "Other.x:min:2"),
                "program Solo has no problem 'Other' that implements Validating; these do: Solo");
        expectBadOption(run(() -> ProgramMainTest.solo(true), "--validate-every", "1", "--early-stop", "Solo.distance:up:2"),
                "'up' is neither min nor max");
    }

    /** A metric the problem does not return stops the run with an error naming it (exit 1). */
    @Test
    void earlyStopOnAnUnknownMetricFailsTheRunNamingIt() {
        Run run = run(() -> ProgramMainTest.solo(true), "--iterations", "3", "--log-every", "0", "--validate-every", "1",
                "--early-stop", "Solo.accuracy:max:2");
        assertEquals(ProgramMain.RUN_FAILED, run.exitCode());
        assertTrue(run.err().contains("Solo.validate() returned no metric 'accuracy' at global step 1; it returned"
                + " [distance]"), run.err());
    }

    private static void expectBadOption(Run run, String message) {
        assertEquals(ProgramMain.BAD_OPTIONS, run.exitCode(), run.err());
        assertTrue(run.err().contains(message), run.err());
    }
}
