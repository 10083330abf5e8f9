package org.betty4j.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.betty4j.annotations.HypergradMethod;
import org.betty4j.annotations.Rules;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.hypergrad.HypergradConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The run-time builders and the command line enforce the rules of {@link Rules}, the same
 * catalogue the annotation processor checks at compile time: each boundary value one step
 * outside is rejected with the catalogue's words, the boundary itself is accepted.
 */
class RuleCatalogueTest {

    private static final QuadraticProblem PROBLEM = new QuadraticProblem(0, 3, 0.1f, false);

    private static ProblemNode.Builder node() {
        return ProblemNode.builder("Low", 1, PROBLEM).costFunction(PROBLEM::cost);
    }

    private static void rejected(Executable build, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        assertEquals(message, e.getMessage());
    }

    @Test
    void problemNodeBuilderEnforcesTheCatalogue() {
        rejected(() -> ProblemNode.builder("Low", 0, PROBLEM), "Low: level must be at least 1, got 0");
        rejected(() -> node().optUnrollSteps(0), "Low: unroll steps must be at least 1, got 0");
        rejected(() -> node().optWarmupSteps(-1), "Low: warm-up steps must be 0 or more, got -1");
        rejected(() -> node().optGradientAccumulation(0), "Low: gradient accumulation must be at least 1, got 0");
        rejected(() -> node().optClipGradNorm(Double.POSITIVE_INFINITY),
                "Low: the clipping norm must be finite and 0 or more, got Infinity");
        rejected(() -> node().optClipGradNorm(Double.NaN), "Low: the clipping norm must be finite and 0 or more, got NaN");
        ProblemNode boundary = node().optUnrollSteps(Rules.UNROLL_STEPS.min()).optWarmupSteps(Rules.WARMUP_STEPS.min())
                .optGradientAccumulation(Rules.GRADIENT_ACCUMULATION.min()).optClipGradNorm(0).build();
        assertEquals(1, boundary.unrollSteps());
        assertEquals(0, boundary.warmupSteps());
        assertEquals(Rules.DEFAULT_METHOD, node().build().hypergrad().method());
    }

    @Test
    void problemNamesFollowTheCatalogue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProblemNode.builder("my problem", 1, PROBLEM));
        assertEquals("problem name \"my problem\" is not an identifier; " + Rules.nameRule(), e.getMessage());
        String tooLong = "P".repeat(Rules.MAX_NAME_LENGTH + 1);
        e = assertThrows(IllegalArgumentException.class, () -> ProblemNode.builder(tooLong, 1, PROBLEM));
        assertTrue(e.getMessage().contains("is 65 characters long"), e.getMessage());
        assertEquals("P".repeat(Rules.MAX_NAME_LENGTH),
                ProblemNode.builder("P".repeat(Rules.MAX_NAME_LENGTH), 1, PROBLEM).costFunction(PROBLEM::cost).build().name());
    }

    @Test
    void hypergradConfigEnforcesTheCatalogue() {
        rejected(() -> new HypergradConfig(HypergradMethod.AID_CG, Double.POSITIVE_INFINITY, 3, false),
                "AID_CG: alpha must be finite and positive, got Infinity");
        rejected(() -> new HypergradConfig(HypergradMethod.AID_NEUMANN, 0.1, 0, false),
                "AID_NEUMANN: iterations must be at least 1, got 0");
        assertEquals(Double.MIN_VALUE, new HypergradConfig(HypergradMethod.AID_FD, Double.MIN_VALUE, 0, true).alpha());
    }

    @Test
    void commandLineOverridesEnforceTheCatalogue() {
        ProgramMainTest.Run run = ProgramMainTest.run(ProgramMainTest::bilevel, "--graph", "--clip", "Low=Infinity");
        assertEquals(ProgramMain.BAD_OPTIONS, run.exitCode(), run.err());
        assertTrue(run.err().contains("--clip Low=Infinity: the clipping norm must be finite and 0 or more"), run.err());
        run = ProgramMainTest.run(ProgramMainTest::bilevel, "--graph", "--iterations-of", "Low=0");
        assertEquals(ProgramMain.BAD_OPTIONS, run.exitCode(), run.err());
        assertTrue(run.err().contains("--iterations-of Low=0: iterations must be at least 1"), run.err());
    }
}
