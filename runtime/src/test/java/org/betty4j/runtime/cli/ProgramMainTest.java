package org.betty4j.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.hypergrad.HypergradConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated main's command line on small hand-built programs. */
class ProgramMainTest {

    /** Result of one command-line run. */
    record Run(int exitCode, String out, String err) {}

    static Run run(Supplier<Program> program, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ProgramMain.run(program, args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    /** Two levels: High's parameters in Low's cost, Low's optimum in High's cost; one path. */
    static Program bilevel() {
        QuadraticProblem low = new QuadraticProblem(0, 3, 0.1f, true);
        QuadraticProblem high = new QuadraticProblem(1, -1, 0.1f, true);
        return Program.builder("Demo")
                .problem(ProblemNode.builder("Low", 1, low).costFunction(low::cost)
                        .optHypergrad(new HypergradConfig(HypergradMethod.AID_CG, 1.0, 3, false)).build())
                .problem(ProblemNode.builder("High", 2, high).costFunction(high::cost).optUnrollSteps(1)
                        .optWarmupSteps(2).optClipGradNorm(5).build())
                .upperToLower("High", "Low")
                .lowerToUpper("Low", "High")
                .path("High", "Low", "High")
                .build();
    }

    static Program solo(boolean readsLearningRate) {
        QuadraticProblem solo = new QuadraticProblem(0, 3, 0.1f, readsLearningRate);
        return Program.builder("Solo")
                .problem(ProblemNode.builder("Solo", 1, solo).costFunction(solo::cost).build())
                .build();
    }

    private static void assertNoStackTrace(Run run) {
        assertFalse(run.err().contains("\tat "), "stack trace printed:\n" + run.err());
        assertFalse(run.err().contains("Exception"), "exception name printed:\n" + run.err());
    }

    @Test
    void helpListsProblemsLevelsEdgesPathsAndMethods() {
        Run run = run(ProgramMainTest::bilevel, "--help");
        assertEquals(ProgramMain.OK, run.exitCode());
        String help = run.out();
        assertTrue(help.startsWith("Usage: Demo"), help);
        assertTrue(help.contains("Low   level 1  unroll 1  hypergrad AID_CG(alpha=1.0, iterations=3)\n"
                + "        warmup 0  accumulate 1  clip off\n"), help);
        assertTrue(help.contains("High  level 2  unroll 1  hypergrad - (on no path)\n"
                + "        warmup 2  accumulate 1  clip 5.0\n"), help);
        assertTrue(help.contains("High -> Low"), help);
        assertTrue(help.contains("Low -> High"), help);
        assertTrue(help.contains("High  1 path\n"), help);
        for (String option : List.of("--iterations", "--validate-every", "--seed", "--device", "--output-dir", "--lr",
                "--unroll", "--method", "--alpha", "--iterations-of", "--graph", "--warmup", "--grad-accumulation",
                "--clip")) {
            assertTrue(help.contains(option), option + " missing from help:\n" + help);
        }
    }

    @Test
    void graphPrintsTextAndDotWithOverridesApplied() {
        Run text = run(ProgramMainTest::bilevel, "--graph", "--unroll", "Low=4", "--alpha", "Low=0.5");
        assertEquals(ProgramMain.OK, text.exitCode(), text.err());
        assertTrue(text.out().contains("Low   level 1  unroll 4  hypergrad AID_CG(alpha=0.5, iterations=3)"), text.out());

        Run method = run(ProgramMainTest::bilevel, "--graph=text", "--method", "Low=AID_NEUMANN", "--iterations-of", "Low=7");
        assertEquals(ProgramMain.OK, method.exitCode(), method.err());
        // a new method starts from its own defaults, except what is given
        assertTrue(method.out().contains("hypergrad AID_NEUMANN(alpha=0.1, iterations=7)"), method.out());

        Run dot = run(ProgramMainTest::bilevel, "--graph=dot");
        assertEquals(ProgramMain.OK, dot.exitCode(), dot.err());
        assertTrue(dot.out().startsWith("digraph \"Demo\" {"), dot.out());
        assertTrue(dot.out().contains("\"Low\" -> \"High\" [label=\"optimum\"];"), dot.out());
        assertTrue(dot.out().contains("\"High\" -> \"Low\" [style=dashed, label=\"parameters\"];"), dot.out());
        assertTrue(dot.out().trim().endsWith("}"), dot.out());
    }

    /** Per-problem step settings are overridden one by one; settings no option names survive any override. */
    @Test
    void stepSettingOverridesReplaceOnlyWhatTheyName() {
        Run run = run(ProgramMainTest::bilevel, "--graph", "--warmup", "Low=3", "--grad-accumulation", "Low=4",
                "--clip", "Low=0.5", "--unroll", "High=2", "--lr", "High=0.2");
        assertEquals(ProgramMain.OK, run.exitCode(), run.err());
        assertTrue(run.out().contains("Low   level 1  unroll 1  hypergrad AID_CG(alpha=1.0, iterations=3)\n"
                + "        warmup 3  accumulate 4  clip 0.5\n"), run.out());
        // High's warm-up 2 and clip 5.0 come from the program and survive --unroll / --lr
        assertTrue(run.out().contains("High  level 2  unroll 2  hypergrad - (on no path)\n"
                + "        warmup 2  accumulate 1  clip 5.0\n"), run.out());

        Run off = run(ProgramMainTest::bilevel, "--graph", "--clip", "High=0", "--warmup", "High=0");
        assertTrue(off.out().contains("High  level 2  unroll 1  hypergrad - (on no path)\n"
                + "        warmup 0  accumulate 1  clip off\n"), off.out());
    }

    @Test
    void badStepSettingOverridesAreClearErrors() {
        expectBadOption(run(ProgramMainTest::bilevel, "--graph", "--warmup", "Low=-1"),
                "--warmup Low=-1: warm-up steps must be 0 or more");
        expectBadOption(run(ProgramMainTest::bilevel, "--graph", "--grad-accumulation", "Low=0"),
                "--grad-accumulation Low=0: gradient accumulation must be at least 1");
        expectBadOption(run(ProgramMainTest::bilevel, "--graph", "--clip", "Low=-2"),
                "--clip Low=-2.0: the clipping norm must be finite and 0 or more");
        expectBadOption(run(ProgramMainTest::bilevel, "--graph", "--clip", "Low=NaN"), "--clip Low=NaN");
        expectBadOption(run(ProgramMainTest::bilevel, "--graph", "--warmup", "Mid=1"),
                "--warmup Mid=...: program Demo has no problem named 'Mid'");
        expectBadOption(run(ProgramMainTest::bilevel, "--graph", "--clip", "Low"), "--clip");
    }

    /**
     * The overrides reach the run: with --grad-accumulation Solo=2 the parameter moves every
     * second step, so the losses of steps 1 and 2 are both (0 - 3)² = 9 and step 3 sees the
     * averaged update of lr 0.25: w = 0 + 0.25 * 6 = 1.5, loss 2.25.
     */
    @Test
    void accumulationOverrideChangesTheRun(@TempDir Path dir) throws IOException {
        Run run = run(() -> solo(true), "--iterations", "3", "--lr", "Solo=0.25", "--grad-accumulation", "Solo=2",
                "--output-dir", dir.toString(), "--log-every", "0");
        assertEquals(ProgramMain.OK, run.exitCode(), run.err());
        assertEquals(List.of("problem,local_step,global_step,loss", "Solo,1,1,9.00000", "Solo,2,2,9.00000",
                "Solo,3,3,2.25000"), Files.readAllLines(dir.resolve("losses.csv")));
    }

    @Test
    void unknownOptionIsAClearErrorWithExitCode2() {
        Run run = run(ProgramMainTest::bilevel, "--iteratoins", "5");
        assertEquals(ProgramMain.BAD_OPTIONS, run.exitCode());
        assertTrue(run.err().contains("Unknown options: '--iteratoins', '5'"), run.err());
        assertTrue(run.err().contains("--iterations"), "suggests the near miss: " + run.err());
        assertTrue(run.err().contains("Try --help"), run.err());
        assertNoStackTrace(run);
    }

    @Test
    void malformedValuesAreClearErrorsWithExitCode2() {
        for (String[] args : List.of(new String[] {"--iterations", "many"}, new String[] {"--unroll", "Low"},
                new String[] {"--method", "Low=NEWTON"}, new String[] {"--alpha", "Low=big"},
                new String[] {"--graph=svg"}, new String[] {"--device", "tpu"})) {
            Run run = run(ProgramMainTest::bilevel, args);
            assertEquals(ProgramMain.BAD_OPTIONS, run.exitCode(), String.join(" ", args) + ": " + run.err());
            assertTrue(run.err().startsWith("error: "), run.err());
            assertNoStackTrace(run);
        }
    }

    @Test
    void overridesThatCannotTakeEffectAreRejected() {
        expectBadOption(run(ProgramMainTest::bilevel, "--graph", "--unroll", "Middle=2"),
                "has no problem named 'Middle'; its problems are Low, High");
        expectBadOption(run(ProgramMainTest::bilevel, "--graph", "--unroll", "Low=0"), "unroll steps must be at least 1");
        expectBadOption(run(ProgramMainTest::bilevel, "--graph", "--alpha", "High=0.1"), "High lies on no backpropagation path");
        expectBadOption(run(ProgramMainTest::bilevel, "--graph", "--method", "Low=ITD_RMAD", "--alpha", "Low=0.1"),
                "Low uses ITD_RMAD, which has no alpha");
        expectBadOption(run(ProgramMainTest::bilevel, "--graph", "--alpha", "Low=-1"), "--alpha Low=-1.0: alpha must be finite and positive");
        expectBadOption(run(ProgramMainTest::bilevel, "--graph", "--lr", "Low=0"), "--lr Low=0.0: the learning rate must be finite and positive");
        expectBadOption(run(ProgramMainTest::bilevel, "--iterations", "-3"), "--iterations -3");
        expectBadOption(run(ProgramMainTest::bilevel, "--iterations", "2", "--global-steps", "6"),
                "--global-steps 6 and --iterations 2 both set the run's length: give one");
        expectBadOption(run(ProgramMainTest::bilevel, "--global-steps", "-1"), "--global-steps -1: must be 0 or more");
        expectBadOption(run(() -> solo(true), "--validate-every", "0", "--device", "gpu", "--iterations", "0"), "--device gpu");
    }

    private static void expectBadOption(Run run, String message) {
        assertEquals(ProgramMain.BAD_OPTIONS, run.exitCode(), run.err());
        assertTrue(run.err().contains(message), run.err());
        assertNoStackTrace(run);
    }

    @Test
    void aProgramThatCannotBeBuiltIsReportedWithoutStackTrace() {
        Run run = run(() -> Program.builder("Broken").upperToLower("A", "B").build(), "--help");
        assertEquals(ProgramMain.RUN_FAILED, run.exitCode());
        assertTrue(run.err().startsWith("error: cannot build the program: program Broken"), run.err());
        assertNoStackTrace(run);
    }

    /**
     * A real run: losses.csv holds the closed-form SGD losses of the learning rate given with
     * --lr (0.25 halves the distance each step: 9, 2.25, 0.5625), not the default 0.1's (9, 5.76, ...).
     */
    @Test
    void runWritesOutputsAndHonoursLearningRateOverride(@TempDir Path dir) throws IOException {
        Run run = run(() -> solo(true), "--iterations", "3", "--lr", "Solo=0.25", "--output-dir", dir.toString(),
                "--validate-every", "2", "--log-every", "0");
        assertEquals(ProgramMain.OK, run.exitCode(), run.err());
        List<String> losses = Files.readAllLines(dir.resolve("losses.csv"));
        assertEquals(List.of("problem,local_step,global_step,loss", "Solo,1,1,9.00000", "Solo,2,2,2.25000",
                "Solo,3,3,0.562500"), losses);
        // distance after 2 steps: 3 * 0.5^2 = 0.75; after 3: 0.375
        assertEquals(List.of("global_step,problem,metric,value", "2,Solo,distance,0.750000", "3,Solo,distance,0.375000"),
                Files.readAllLines(dir.resolve("validation.csv")));
        assertTrue(run.out().contains("validation at step 2, Solo: distance=0.750000"), run.out());
        assertTrue(Files.readString(dir.resolve("graph.dot")).startsWith("digraph \"Solo\""));
        assertTrue(Files.readString(dir.resolve("graph.txt")).startsWith("program Solo"));
    }

    @Test
    void learningRateOverrideAProblemIgnoresStopsTheRun() {
        Run run = run(() -> solo(false), "--iterations", "2", "--lr", "Solo=0.25", "--log-every", "0");
        assertEquals(ProgramMain.RUN_FAILED, run.exitCode());
        assertTrue(run.err().contains("--lr Solo=0.25 did not take effect: Solo's optimizer has learning rate 0.1"),
                run.err());
        assertNoStackTrace(run);
    }

    @Test
    void validateEveryWithoutValidatingProblemIsRejected() {
        QuadraticProblem low = new QuadraticProblem(0, 3, 0.1f, true);
        Supplier<Program> plain = () -> Program.builder("Plain")
                .problem(ProblemNode.builder("P", 1, new PlainTrainable(low)).costFunction(low::cost).build())
                .build();
        expectBadOption(run(plain, "--validate-every", "5"), "no problem of program Plain implements");
    }

    /** A Trainable that is not Validating. */
    private record PlainTrainable(QuadraticProblem inner) implements org.betty4j.runtime.problem.Trainable {
        public void setUp(org.betty4j.runtime.problem.ProblemContext context) {
            inner.setUp(context);
        }

        public ai.djl.nn.ParameterList parameters() {
            return inner.parameters();
        }

        public org.betty4j.runtime.optim.Optimizer optimizer() {
            return inner.optimizer();
        }

        public org.betty4j.runtime.data.BatchSource data() {
            return inner.data();
        }
    }
}
