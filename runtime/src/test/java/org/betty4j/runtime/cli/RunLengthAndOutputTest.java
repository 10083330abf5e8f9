package org.betty4j.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.engine.StepSchedule;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * What --iterations counts (steps of the outer problem), what a run prints where, and what
 * --device gpu says on a machine without a usable GPU.
 */
class RunLengthAndOutputTest {

    /**
     * Three levels: Low (unroll 2, warm-up 3) under Mid (unroll 3) under Top. Low signals at its
     * local steps 4, 6, 8, ...; Mid steps at each and signals at its 3rd, 6th, ... step, so Top's
     * k-th step comes at global step 4 + 2(3k - 1) = 6k + 2.
     */
    static Program threeLevels() {
        QuadraticProblem low = new QuadraticProblem(0, 3, 0.1f, false);
        QuadraticProblem mid = new QuadraticProblem(1, -1, 0.1f, false);
        QuadraticProblem top = new QuadraticProblem(2, 1, 0.1f, false);
        return Program.builder("Chain")
                .problem(ProblemNode.builder("Low", 1, low).costFunction(low::cost).optUnrollSteps(2)
                        .optWarmupSteps(3).build())
                .problem(ProblemNode.builder("Mid", 2, mid).costFunction(mid::cost).optUnrollSteps(3).build())
                .problem(ProblemNode.builder("Top", 3, top).costFunction(top::cost).build())
                .upperToLower("Mid", "Low")
                .lowerToUpper("Low", "Mid")
                .path("Mid", "Low", "Mid")
                .upperToLower("Top", "Mid")
                .lowerToUpper("Mid", "Top")
                .path("Top", "Mid", "Top")
                .build();
    }

    @Test
    void scheduleCountsGlobalStepsForOuterStepsAsTheEngineRunsThem() {
        Program program = threeLevels();
        assertEquals(List.of("Top"), StepSchedule.outerProblems(program));
        for (int k = 0; k <= 4; k++) {
            assertEquals(k == 0 ? 0 : 6 * k + 2, StepSchedule.globalStepsFor(program, k), "outer steps " + k);
        }
        assertEquals(Map.of("Low", 19, "Mid", 8, "Top", 2), StepSchedule.localStepsAfter(program, 19));
        // the real engine takes exactly the replayed steps
        int global = StepSchedule.globalStepsFor(program, 3);
        try (Engine engine = new Engine(threeLevels(), EngineConfig.builder().optIterations(global).build())) {
            engine.run();
            assertEquals(3, engine.localSteps("Top"));
            assertEquals(9, engine.localSteps("Mid"));
            assertEquals(20, engine.localSteps("Low"));
        }
    }

    @Test
    void iterationsCountOuterSteps() {
        ProgramMainTest.Run run = ProgramMainTest.run(ProgramMainTest::bilevel, "--iterations", "3", "--unroll",
                "Low=4", "--log-every", "0");
        assertEquals(ProgramMain.OK, run.exitCode(), run.err());
        assertTrue(run.out().contains("Demo: 12 global steps; local steps: Low 12, High 3 (outer: High)"), run.out());

        ProgramMainTest.Run solo = ProgramMainTest.run(() -> ProgramMainTest.solo(true), "--iterations", "2",
                "--log-every", "0");
        assertTrue(solo.out().contains("Solo: 2 global steps; local steps: Solo 2 (outer: Solo)"), solo.out());
    }

    @Test
    void quietPrintsNoSummary() {
        ProgramMainTest.Run run = ProgramMainTest.run(ProgramMainTest::bilevel, "--iterations", "2", "--quiet");
        assertEquals(ProgramMain.OK, run.exitCode(), run.err());
        assertEquals("", run.out());
    }

    @Test
    void progressBarOnlyOnATerminalOrWhenAskedFor() {
        assertFalse(parse().showsProgressBar(), "tests run without a console");
        assertTrue(parse("--progress", "bar").showsProgressBar());
        assertFalse(parse("--progress", "lines").showsProgressBar());
        assertFalse(parse("--progress", "bar", "--quiet").showsProgressBar(), "--quiet wins");
    }

    private static RunCommand parse(String... args) {
        RunCommand command = new RunCommand(ProgramMainTest::bilevel, new java.io.PrintWriter(System.out));
        new CommandLine(command).parseArgs(args);
        return command;
    }

    /**
     * --device gpu where no GPU is visible: the error names what is missing for the libtorch
     * build on the class path (the CPU build by default; the CUDA build with -Pgpu). On a
     * machine with a GPU and the CUDA build the run must succeed instead.
     */
    @Test
    void deviceGpuNamesWhatIsMissing() {
        String flavor = DeviceChoice.libtorchFlavor();
        int gpus = ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount();
        ProgramMainTest.Run run = ProgramMainTest.run(() -> ProgramMainTest.solo(true), "--device", "gpu",
                "--iterations", "1");
        if (gpus > 0) {
            assertEquals(ProgramMain.OK, run.exitCode(), run.err());
            return;
        }
        assertEquals(ProgramMain.BAD_OPTIONS, run.exitCode(), run.err());
        assertTrue(run.err().contains(DeviceChoice.missingGpu(flavor)), run.err());
        assertTrue(DeviceChoice.missingGpu("cpu").contains("the PyTorch library on the class path is DJL's CPU build"
                + " (ai.djl.pytorch:pytorch-native-cpu, flavor cpu)"));
        assertTrue(DeviceChoice.missingGpu("cpu").contains("mvn -Pgpu"));
        assertTrue(DeviceChoice.missingGpu("cu124").contains("the CUDA build of PyTorch (flavor cu124) is on the class"
                + " path, but DJL sees no CUDA device"));
    }

    /**
     * The generated main in its own JVM, its output going to a pipe as in CI: no progress bar,
     * a progress line every --log-every global steps, the summary, and DJL's CUDA probe warning
     * (printed twice per start where a CUDA runtime lacks a driver) at most once.
     */
    @Test
    void outputToAPipeHasProgressLinesNoBarAndNoRepeatedWarning() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                DemoMain.class.getName(), "--iterations", "6", "--unroll", "Low=2", "--log-every", "4"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("OMP_NUM_THREADS", "1");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        assertFalse(output.contains("[="), "no progress bar in a pipe:\n" + output);
        assertFalse(output.contains("\r"), "no carriage returns in a pipe:\n" + output);
        assertTrue(output.contains("Demo: global step 4/12 (33%)"), output);
        assertTrue(output.contains("Demo: global step 12/12 (100%)"), output);
        assertTrue(output.contains("Demo: done after global step 12 of 12; local steps: Low 12, High 6"), output);
        assertTrue(output.contains("Demo: 12 global steps; local steps: Low 12, High 6 (outer: High)"), output);
        int first = output.indexOf("Failed to detect GPU count");
        assertTrue(first < 0 || output.indexOf("Failed to detect GPU count", first + 1) < 0,
                "a warning printed twice:\n" + output);
    }

    /**
     * A condition that recurs at every step is warned about once, and the run's end counts it:
     * a problem whose loss is NaN at each of 5 steps, with non-finite updates skipped.
     */
    @Test
    void aRecurringWarningIsLoggedOnceAndCounted() {
        QuadraticProblem nan = new QuadraticProblem(0, 3, 0.1f, false);
        Program program = Program.builder("Nan")
                .problem(ProblemNode.builder("Bad", 1, nan).costFunction(batch -> org.betty4j.runtime.problem.Cost.of(
                        nan.w.mul(Double.NaN).sum())).build())
                .build();
        java.io.PrintStream original = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(5).optSkipNonFinite(true)
                .build())) {
            System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
            engine.run();
            assertEquals(5, engine.skippedSteps("Bad"));
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertEquals(1, log.split("skipped the update", -1).length - 1, log);
        assertTrue(log.contains("Nan: warning 'skipped non-finite update of Bad' occurred 5 times in this run"), log);
    }

    /** The bilevel demo program behind a main, as the processor generates one. */
    public static final class DemoMain {
        public static void main(String[] args) {
            System.exit(ProgramMain.run(ProgramMainTest::bilevel, args));
        }
    }
}
