package org.betty4j.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.betty4j.runtime.problem.Cost;
import org.junit.jupiter.api.Test;

/** The execution semantics of §3.3: which problem steps when, and how often. */
class EngineScheduleTest {

    /** Records the order in which problems step. */
    private static final class StepLog implements EngineListener {
        final List<String> order = new ArrayList<>();

        @Override
        public void onProblemStep(ProblemNode problem, int localStep, int globalStep, double loss, Cost cost) {
            order.add(problem.name());
        }
    }

    @Test
    void twoLevelsUpperStepsOncePerFiveLeafSteps() {
        ToyProblem lower = new ToyProblem(new double[] {1, 2}, 0.1f);
        ToyProblem upper = new ToyProblem(new double[] {0.5, -0.5}, 0.1f);
        Program program = Program.builder("two")
                .problem(ToyProblem.node("L", 1, lower, 5, b -> lower.theta.sub(upper.theta).square().sum()))
                .problem(ToyProblem.node("U", 2, upper, 1, b -> lower.theta.square().sum()))
                .upperToLower("U", "L")
                .lowerToUpper("L", "U")
                .path("U", "L", "U")
                .build();
        StepLog log = new StepLog();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(12).build())) {
            engine.addListener(log).run();
            assertEquals(12, engine.localSteps("L"));
            assertEquals(2, engine.localSteps("U"));
        }
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 12; i++) {
            expected.add("L");
            if (i % 5 == 0) {
                expected.add("U");
            }
        }
        assertEquals(expected, log.order);
    }

    @Test
    void threeLevelsStepInChainOrder() {
        ToyProblem a = new ToyProblem(new double[] {1}, 0.1f);
        ToyProblem b = new ToyProblem(new double[] {2}, 0.1f);
        ToyProblem c = new ToyProblem(new double[] {3}, 0.1f);
        // A (unroll 2) -> B (unroll 3) -> C: C steps every 6 global steps
        Program program = Program.builder("three")
                .problem(ToyProblem.node("A", 1, a, 2, x -> a.theta.sub(c.theta).square().sum()))
                .problem(ToyProblem.node("B", 2, b, 3, x -> b.theta.sub(a.theta).square().sum()))
                .problem(ToyProblem.node("C", 3, c, 1, x -> b.theta.square().sum()))
                .upperToLower("C", "A")
                .lowerToUpper("A", "B")
                .lowerToUpper("B", "C")
                .path("C", "B", "A", "C")
                .build();
        StepLog log = new StepLog();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(13).build())) {
            engine.addListener(log).run();
            assertEquals(13, engine.localSteps("A"));
            assertEquals(6, engine.localSteps("B"));
            assertEquals(2, engine.localSteps("C"));
        }
        List<String> expected = new ArrayList<>();
        int bSteps = 0;
        for (int i = 1; i <= 13; i++) {
            expected.add("A");
            if (i % 2 == 0) {
                expected.add("B");
                bSteps++;
                if (bSteps % 3 == 0) {
                    expected.add("C");
                }
            }
        }
        assertEquals(expected, log.order);
    }

    @Test
    void anUpperWithTwoLowersWaitsForBoth() {
        ToyProblem fast = new ToyProblem(new double[] {1}, 0.1f);
        ToyProblem slow = new ToyProblem(new double[] {1}, 0.1f);
        ToyProblem top = new ToyProblem(new double[] {1}, 0.1f);
        Program program = Program.builder("fork")
                .problem(ToyProblem.node("Fast", 1, fast, 1, x -> fast.theta.sub(top.theta).square().sum()))
                .problem(ToyProblem.node("Slow", 1, slow, 3, x -> slow.theta.square().sum()))
                .problem(ToyProblem.node("Top", 2, top, 1, x -> fast.theta.add(slow.theta).square().sum()))
                .upperToLower("Top", "Fast")
                .lowerToUpper("Fast", "Top")
                .lowerToUpper("Slow", "Top")
                .path("Top", "Fast", "Top")
                .build();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(9).build())) {
            engine.run();
            assertEquals(9, engine.localSteps("Fast"));
            assertEquals(9, engine.localSteps("Slow"));
            assertEquals(3, engine.localSteps("Top"));
        }
    }
}
