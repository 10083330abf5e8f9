package org.betty4j.runtime.script;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.EngineListener;
import org.betty4j.runtime.engine.NonFiniteValueException;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.hypergrad.HypergradConfig;
import org.betty4j.runtime.optim.Adam;
import org.betty4j.runtime.optim.LearningRateSchedule;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.Cost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's fused scripted step on the logistic-regression HPO: the same trajectory as the
 * generic step where it applies (to the bit: the script runs the same operations), the generic
 * step everywhere else, and clear errors for a script that disagrees with the Java cost or does
 * not compile.
 */
class ScriptedStepEngineTest {

    /** What a run did: final parameters, every loss, how often the inner Java cost ran. */
    record Run(float[] inner, float[] outer, List<Double> innerLosses, List<Double> outerLosses, int innerSteps,
            int innerCostCalls, long liveAtMark, long liveAtEnd) {}

    static Run run(ScriptedHpo.Settings s, int steps, Consumer<EngineConfig.Builder> config) {
        ScriptedHpo hpo = new ScriptedHpo();
        List<Double> innerLosses = new ArrayList<>();
        List<Double> outerLosses = new ArrayList<>();
        long[] live = new long[2];
        EngineConfig.Builder b = EngineConfig.builder().optIterations(steps).optSeed(7).optQuiet(true);
        config.accept(b);
        try (Engine engine = new Engine(hpo.program(s), b.build())) {
            engine.addListener(new EngineListener() {
                @Override
                public void onProblemStep(ProblemNode problem, int localStep, int globalStep, double loss, Cost cost) {
                    (problem.name().equals("inner") ? innerLosses : outerLosses).add(loss);
                }

                @Override
                public void onGlobalStep(Engine e, int step) {
                    if (step == steps / 5 || step == steps) {
                        live[step == steps ? 1 : 0] = liveBytes(e);
                    }
                }
            });
            engine.run();
            return new Run(engine.parameters("inner").get(0).toFloatArray(),
                    engine.parameters("outer").get(0).toFloatArray(), innerLosses, outerLosses, innerLosses.size(),
                    hpo.innerCostCalls.get(), live[0], live[1]);
        }
    }

    static Run run(ScriptedHpo.Settings s, int steps) {
        return run(s, steps, b -> {});
    }

    private static long liveBytes(Engine engine) {
        NDManager root = engine.parameters("inner").get(0).getManager();
        while (root.getParentManager() != null && root.getParentManager().getParentManager() != null) {
            root = root.getParentManager();
        }
        long bytes = 0;
        for (NDArray a : root.getManagedArrays()) {
            if (!a.isReleased()) {
                bytes += a.size() * a.getDataType().getNumOfBytes();
            }
        }
        return bytes;
    }

    private static ScriptedHpo.Settings settings(Consumer<ScriptedHpo.Settings> change) {
        ScriptedHpo.Settings s = new ScriptedHpo.Settings();
        change.accept(s);
        return s;
    }

    /**
     * Same parameters and losses to the bit; the scripted run called the Java cost only in its
     * first step (the dependency audit's, a generic step) and to verify its second.
     */
    private static void assertSameTrajectory(Consumer<ScriptedHpo.Settings> change, int steps) {
        Run generic = run(settings(change.andThen(s -> s.scripted = false)), steps);
        Run scripted = run(settings(change), steps);
        assertArrayEquals(generic.inner(), scripted.inner(), "inner parameters");
        assertArrayEquals(generic.outer(), scripted.outer(), "outer parameters (hypergradient steps)");
        assertEquals(generic.innerLosses(), scripted.innerLosses());
        assertEquals(generic.outerLosses(), scripted.outerLosses());
        assertEquals(generic.innerCostCalls() - scripted.innerSteps() + 2, scripted.innerCostCalls(),
                "every inner step but the audited and the verified one runs as one script call");
    }

    @Test
    void aidFdGivesTheGenericTrajectoryToTheBit() {
        assertSameTrajectory(s -> {}, 250);
    }

    @Test
    void aidCgAndNeumannGiveTheGenericTrajectory() {
        assertSameTrajectory(s -> s.hypergrad = new HypergradConfig(HypergradMethod.AID_CG, 0.1, 3, false), 250);
        assertSameTrajectory(s -> s.hypergrad = new HypergradConfig(HypergradMethod.AID_NEUMANN, 0.1, 3, false), 150);
    }

    @Test
    void sgdWithMomentumWeightDecayAndScheduleAndAdamGiveTheGenericTrajectory() {
        assertSameTrajectory(s -> s.innerOptimizer = () -> Sgd.builder().setLearningRate(0.1f).optMomentum(0.9f)
                .optWeightDecay(1e-3f).optSchedule(LearningRateSchedule.steps(0.1f, 0.5f, 30, 60)).build(), 150);
        assertSameTrajectory(s -> s.innerOptimizer = () -> Adam.builder().optLearningRate(0.05f).build(), 150);
        assertSameTrajectory(s -> s.innerOptimizer = () -> Adam.builder().optLearningRate(0.05f)
                .optWeightDecay(1e-2f).optSchedule(LearningRateSchedule.cosine(0.05f, 200, 0.001f)).build(), 150);
    }

    @Test
    void minibatchesAndARunWithoutDependencyAuditKeepTheTrajectory() {
        assertSameTrajectory(s -> s.batchSize = 100, 150);
        Run generic = run(settings(s -> s.scripted = false), 120, b -> b.optAuditDependencies(false));
        Run scripted = run(settings(s -> {}), 120, b -> b.optAuditDependencies(false));
        assertArrayEquals(generic.outer(), scripted.outer());
        // without an audit the first step is the verified one
        assertEquals(generic.innerCostCalls() - scripted.innerSteps() + 1, scripted.innerCostCalls());
    }

    /** Each condition under which the scripted step is not the plain step: the generic step runs every inner step. */
    @Test
    void fallsBackToTheGenericStepWhereItIsNotThePlainStep() {
        List<Consumer<ScriptedHpo.Settings>> conditions = List.of(
                s -> s.hypergrad = HypergradConfig.defaults(HypergradMethod.ITD_RMAD),
                s -> s.accumulation = 2,
                s -> s.clip = 0.5,
                s -> s.observeGradients = true,
                s -> s.innerOptimizer = () -> new NoRule(Sgd.builder().setLearningRate(0.1f).build()));
        for (Consumer<ScriptedHpo.Settings> c : conditions) {
            Run generic = run(settings(c.andThen(s -> s.scripted = false)), 120);
            Run scripted = run(settings(c), 120);
            assertArrayEquals(generic.outer(), scripted.outer());
            assertEquals(generic.innerCostCalls(), scripted.innerCostCalls(), "the Java cost runs at every step");
        }
    }

    @Test
    void mixedPrecisionFallsBackToTheGenericStep() {
        Consumer<EngineConfig.Builder> half = b -> b.optMixedPrecision(ai.djl.ndarray.types.DataType.BFLOAT16);
        Run generic = run(settings(s -> s.scripted = false), 40, half);
        Run scripted = run(settings(s -> {}), 40, half);
        assertEquals(generic.innerCostCalls(), scripted.innerCostCalls());
    }

    @Test
    void aScriptThatDisagreesWithTheJavaCostStopsTheRunWithBothValues() {
        String wrong = ScriptedHpo.INNER_COST.replace("return fit + torch.sum(torch.square(w) * lam) * 0.5",
                "return (fit + torch.sum(torch.square(w) * lam) * 0.5) * 2");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> run(settings(s -> s.innerCost = wrong), 10));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "inner: its scripted cost gives (\\S+) but its training step gives (\\S+) on the same batch \\(local "
                        + "step 2, global step 2\\); make scriptedCost\\(\\) compute").matcher(e.getMessage());
        assertTrue(m.find(), e.getMessage());
        assertEquals(2 * Double.parseDouble(m.group(2)), Double.parseDouble(m.group(1)), 1e-6, e.getMessage());
    }

    @Test
    void aScriptThatDoesNotCompileNamesTheProblemAndTheLine() {
        String broken = ScriptedHpo.INNER_COST.replace("torch.log(", "torch.no_such_op(");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> run(settings(s -> s.innerCost = broken), 10));
        assertTrue(e.getMessage().startsWith("inner: the scripted step does not compile at line 3 of its scripted "
                + "cost"), e.getMessage());
        String arity = ScriptedHpo.INNER_COST.replace("lam: Tensor, ", "");
        e = assertThrows(IllegalArgumentException.class, () -> run(settings(s -> s.innerCost = arity), 10));
        assertTrue(e.getMessage().startsWith("inner: its scripted cost takes 3 arguments, but the step passes 4"),
                e.getMessage());
    }

    @Test
    void aNonFiniteStepIsLeftToTheGenericGuard() {
        Consumer<ScriptedHpo.Settings> huge = s -> s.innerOptimizer = () -> Sgd.builder().setLearningRate(1e38f)
                .optMomentum(0.9f).build();
        NonFiniteValueException generic = assertThrows(NonFiniteValueException.class,
                () -> run(settings(huge.andThen(s -> s.scripted = false)), 60));
        NonFiniteValueException scripted = assertThrows(NonFiniteValueException.class,
                () -> run(settings(huge), 60));
        assertEquals(generic.problem(), scripted.problem());
        assertEquals(generic.localStep(), scripted.localStep());
        assertEquals(generic.quantity(), scripted.quantity());
    }

    @Test
    void aResumedScriptedRunContinuesTheUninterruptedTrajectory(@TempDir Path dir) {
        Consumer<ScriptedHpo.Settings> momentum = s -> s.innerOptimizer = () -> Sgd.builder().setLearningRate(0.1f)
                .optMomentum(0.5f).build();
        Path checkpoint = dir.resolve("run.ckpt");
        Run uninterrupted = run(settings(momentum.andThen(s -> s.scripted = false)), 250);
        run(settings(momentum), 150, b -> b.optCheckpoint(checkpoint, 150));
        Run resumed = run(settings(momentum), 250, b -> b.optResumeFrom(checkpoint));
        assertArrayEquals(uninterrupted.inner(), resumed.inner(), "inner parameters");
        assertArrayEquals(uninterrupted.outer(), resumed.outer(), "outer parameters");
        assertEquals(uninterrupted.innerLosses().subList(150, 250), resumed.innerLosses());
        // the resumed run audits its first step and verifies its second against the Java cost again
        Path genericCheckpoint = dir.resolve("generic.ckpt");
        run(settings(momentum.andThen(s -> s.scripted = false)), 150, b -> b.optCheckpoint(genericCheckpoint, 150));
        Run genericResumed = run(settings(momentum.andThen(s -> s.scripted = false)), 250,
                b -> b.optResumeFrom(genericCheckpoint));
        assertEquals(genericResumed.innerCostCalls() - resumed.innerSteps() + 2, resumed.innerCostCalls());
    }

    @Test
    void liveArraysStayFlat() {
        Run r = run(settings(s -> {}), 500);
        assertEquals(r.liveAtMark(), r.liveAtEnd(), "bytes of live arrays at step 100 and 500");
    }

    /** An optimizer whose rule the runtime cannot see. */
    private record NoRule(Optimizer delegate) implements Optimizer {
        @Override
        public void step(NDList params, NDList grads, NDManager stateManager) {
            delegate.step(params, grads, stateManager);
        }

        @Override
        public int updates() {
            return delegate.updates();
        }

        @Override
        public float learningRate() {
            return delegate.learningRate();
        }
    }
}
