package org.betty4j.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.autograd.GradMode;
import org.betty4j.runtime.hypergrad.HypergradConfig;
import org.betty4j.runtime.optim.Adam;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.problem.Cost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What ITD_RMAD cannot differentiate is refused with an error naming the problem, the setting
 * or hook, and the fix: gradient accumulation, clipping and roll-back before the run; an
 * optimizer other than the runtime's Sgd or Adam at set-up; a hook that changes the parameters or the
 * gradient at the step where it does. Hooks that change nothing, and the first-order switch
 * (which records nothing), run.
 */
class IterativeDifferentiationErrorsTest {

    private static final HypergradConfig ITD = HypergradConfig.defaults(HypergradMethod.ITD_RMAD);

    private static Program program(ToyProblemDelegate lower, HypergradConfig hypergrad,
            UnaryOperator<ProblemNode.Builder> settings) {
        ToyProblem upper = new ToyProblem(new double[] {0.5, -0.25}, 0.1f);
        return Program.builder("itd-errors")
                .problem(settings.apply(ProblemNode.builder("L", 1, lower.toy())
                        .costFunction(batch -> Cost.of(lower.theta().sub(upper.theta).square().sum().mul(0.5)))
                        .optUnrollSteps(2)
                        .optHypergrad(hypergrad)).build())
                .problem(ToyProblem.node("U", 2, upper, 1, batch -> lower.theta().square().sum().mul(0.5)))
                .upperToLower("U", "L")
                .lowerToUpper("L", "U")
                .path("U", "L", "U")
                .build();
    }

    private static ToyProblemDelegate lower() {
        return new ToyProblemDelegate(new double[] {1, 2}, 0.25f);
    }

    private static void assertRefusedBeforeTheRun(UnaryOperator<ProblemNode.Builder> settings, String setting) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Engine(program(lower(), ITD, settings), EngineConfig.builder().optIterations(4).build()));
        assertTrue(e.getMessage().startsWith("L: ITD_RMAD") && e.getMessage().contains(setting)
                && e.getMessage().contains("Fix:"), e.getMessage());
    }

    @Test
    void gradientAccumulationIsRefused() {
        assertRefusedBeforeTheRun(b -> b.optGradientAccumulation(2), "gradientAccumulation = 2");
    }

    @Test
    void clippingIsRefused() {
        assertRefusedBeforeTheRun(b -> b.optClipGradNorm(1.5), "clipGradNorm = 1.5");
    }

    @Test
    void rollBackIsRefused() {
        assertRefusedBeforeTheRun(b -> b.optRollBack(true), "roll-back");
    }

    /** An optimizer of the user's own, whose update rule the runtime cannot know, is refused before any step. */
    @Test
    void anOptimizerOtherThanSgdOrAdamIsRefusedAtSetUp() {
        Optimizer own = new Optimizer() {
            private int updates;

            @Override
            public void step(NDList params, NDList grads, NDManager stateManager) {
                params.get(0).subi(grads.get(0).sign().mul(0.01));
                updates++;
            }

            @Override
            public int updates() {
                return updates;
            }

            @Override
            public float learningRate() {
                return 0.01f;
            }
        };
        ToyProblemDelegate lower = new ToyProblemDelegate(new double[] {1, 2}, 0.25f) {
            @Override
            public Optimizer optimizer() {
                return own;
            }
        };
        try (Engine engine = new Engine(program(lower, ITD, b -> b), EngineConfig.builder().optIterations(4).build())) {
            IllegalStateException e = assertThrows(IllegalStateException.class, engine::run);
            assertTrue(e.getMessage().startsWith("L: ITD_RMAD") && e.getMessage().contains(own.getClass().getName())
                    && e.getMessage().contains("Sgd") && e.getMessage().contains("Adam")
                    && e.getMessage().contains("Fix:"), e.getMessage());
            assertEquals(0, engine.globalStep(), "refused before the first step");
        }
    }

    /** Adam is differentiable (its moments are recorded): the same program runs with it. */
    @Test
    void adamIsAccepted() {
        ToyProblemDelegate lower = new ToyProblemDelegate(new double[] {1, 2}, 0.25f) {
            private final Adam adam = Adam.builder().optLearningRate(0.05f).build();

            @Override
            public Optimizer optimizer() {
                return adam;
            }
        };
        try (Engine engine = new Engine(program(lower, ITD, b -> b), EngineConfig.builder().optIterations(4).build())) {
            engine.run();
            assertEquals(2, engine.localSteps("U"));
        }
    }

    /**
     * Resumed from a checkpoint written in the middle of an inner loop (unroll 2, checkpoint
     * after global step 3), the loop's first update is not recorded: the next product goes
     * through the one recorded update, and a warning says so (it is not silently complete).
     */
    @Test
    void resumingMidLoopDifferentiatesTheRecordedUpdatesAndWarns(@TempDir Path dir) {
        Path checkpoint = dir.resolve("itd.ckpt");
        try (Engine first = new Engine(program(new ToyProblemDelegate(new double[] {1, 2}, 0.25f), ITD, b -> b),
                EngineConfig.builder().optIterations(3).optCheckpoint(checkpoint, 3).build())) {
            first.run();
            assertEquals(2.0, first.methodDiagnostics("L").get("itd_updates"));
        }
        PrintStream originalErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try (Engine resumed = new Engine(program(new ToyProblemDelegate(new double[] {1, 2}, 0.25f), ITD, b -> b),
                EngineConfig.builder().optIterations(4).optResumeFrom(checkpoint).build())) {
            resumed.run();
            assertEquals(2, resumed.localSteps("U"));
            assertEquals(1.0, resumed.methodDiagnostics("L").get("itd_updates"));
        } finally {
            System.setErr(originalErr);
        }
        String log = err.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("L: ITD_RMAD differentiates through 1 of the 2 updates of this inner loop (global step 4)"),
                log);
    }

    @Test
    void afterUpdateThatChangesTheParametersIsRefusedAtItsStep() {
        ToyProblemDelegate lower = new ToyProblemDelegate(new double[] {1, 2}, 0.25f) {
            @Override
            public void afterUpdate() {
                try (NDArray clamped = theta().maximum(0.9)) {
                    theta().muli(0).addi(clamped);
                }
            }
        };
        assertRefusedAtFirstStep(lower, "L: afterUpdate changed the parameters (parameter 'theta') at local step 1");
    }

    @Test
    void afterGradientsThatChangesTheGradientIsRefusedAtItsStep() {
        ToyProblemDelegate lower = new ToyProblemDelegate(new double[] {1, 2}, 0.25f) {
            @Override
            public void afterGradients(NDList parameters, NDList gradients) {
                gradients.get(0).muli(0.5);
            }
        };
        assertRefusedAtFirstStep(lower, "L: afterGradients changed the gradients (parameter 'theta') at local step 1");
    }

    private static void assertRefusedAtFirstStep(ToyProblemDelegate lower, String start) {
        try (Engine engine = new Engine(program(lower, ITD, b -> b), EngineConfig.builder().optIterations(4).build())) {
            IllegalStateException e = assertThrows(IllegalStateException.class, engine::run);
            assertTrue(e.getMessage().startsWith(start) && e.getMessage().contains("Fix:"), e.getMessage());
        }
    }

    /** A clamp that never binds leaves the parameters bit-identical: the run goes through. */
    @Test
    void hooksThatChangeNothingRun() {
        ToyProblemDelegate lower = new ToyProblemDelegate(new double[] {1, 2}, 0.25f) {
            @Override
            public void afterUpdate() {
                try (GradMode off = GradMode.disabled(); NDArray clamped = theta().maximum(-1e9)) {
                    theta().muli(0).addi(clamped);
                }
            }
        };
        try (Engine engine = new Engine(program(lower, ITD, b -> b), EngineConfig.builder().optIterations(4).build())) {
            engine.run();
            assertEquals(2, engine.localSteps("U"));
        }
    }

    /** First-order ITD records nothing, so it also runs with settings the full method refuses. */
    @Test
    void firstOrderItdRecordsNothingAndRunsWithAccumulation() {
        HypergradConfig firstOrder = new HypergradConfig(HypergradMethod.ITD_RMAD, 0, 0, true);
        try (Engine engine = new Engine(program(lower(), firstOrder, b -> b.optGradientAccumulation(2)),
                EngineConfig.builder().optIterations(8).build())) {
            engine.run();
            assertEquals(2, engine.localSteps("U"));
        }
    }
}
