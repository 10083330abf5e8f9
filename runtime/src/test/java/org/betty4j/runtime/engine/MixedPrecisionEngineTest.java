package org.betty4j.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.ParameterList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.betty4j.runtime.autograd.MixedPrecision;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.LossScaler;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ParameterLists;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;
import org.junit.jupiter.api.Test;

/**
 * Mixed precision in the engine, on the linear cost C = c·(x·wᵀ + b) with x = ones(1, 4),
 * c = 4, w and b starting at 0, SGD with η = 2⁻⁶: the gradient is c for every parameter, so
 * after n applied updates every parameter is −n·η·c and the loss is −5·n·η·c², exact in
 * FLOAT16. Under FLOAT16 compute the scaled gradient S·c reaches the half-precision product
 * and overflows exactly when S·c ≥ 65520 (FLOAT16 rounds that to infinity): the engine must
 * skip those updates and halve S, and double S after each growth interval of finite steps.
 */
class MixedPrecisionEngineTest {

    private static final float C = 4f;
    private static final float LR = 1f / 64;
    private static final double FP16_OVERFLOW = 65520;

    private static final class LinearProblem implements Trainable {
        NDArray w;
        NDArray b;
        NDArray x;
        DataType compute;
        private Optimizer optimizer;

        @Override
        public void setUp(ProblemContext context) {
            w = context.manager().zeros(new Shape(1, 4), context.dataType());
            b = context.manager().zeros(new Shape(1), context.dataType());
            x = context.manager().ones(new Shape(1, 4), context.dataType());
            compute = context.computeType();
            optimizer = Sgd.builder().setLearningRate(LR).build();
        }

        Cost cost() {
            return Cost.of(MixedPrecision.linear(x, w, b, compute).sum().mul(C));
        }

        @Override
        public ParameterList parameters() {
            return ParameterLists.of("w", w, "b", b);
        }

        @Override
        public Optimizer optimizer() {
            return optimizer;
        }

        @Override
        public BatchSource data() {
            return new ToyProblem.EmptyBatches();
        }
    }

    private record Result(List<Double> losses, List<Double> scales, int skipped, float[] w, float[] b) {}

    private static Result run(EngineConfig.Builder config, int steps) {
        LinearProblem p = new LinearProblem();
        Program program = Program.builder("mixed")
                .problem(ProblemNode.builder("P", 1, p).costFunction(batch -> p.cost()).build()).build();
        List<Double> losses = new ArrayList<>();
        List<Double> scales = new ArrayList<>();
        try (Engine engine = new Engine(program, config.optIterations(steps).build())) {
            engine.addListener(new EngineListener() {
                @Override
                public void onProblemStep(ProblemNode node, int local, int global, double loss, Cost cost) {
                    losses.add(loss);
                    if (cost.metrics().containsKey("loss_scale")) {
                        scales.add(cost.metrics().get("loss_scale"));
                    }
                }
            });
            engine.run();
            assertEquals(DataType.FLOAT32, engine.parameters("P").get(0).getDataType(), "master weights");
            return new Result(losses, scales, engine.skippedSteps("P"), engine.parameters("P").get(0).toFloatArray(),
                    engine.parameters("P").get(1).toFloatArray());
        }
    }

    @Test
    void float16SkipsOverflowingStepsAndRescalesAsGradScalerDoes() {
        int steps = 12;
        int interval = 2;
        Result r = run(EngineConfig.builder().optMixedPrecision(DataType.FLOAT16)
                .optLossScaling(() -> LossScaler.builder().optGrowthInterval(interval).build()), steps);
        // the rule, in closed form: overflow iff S·c >= 65520
        double scale = 65536;
        int finiteRun = 0;
        int applied = 0;
        int skipped = 0;
        List<Double> expectedScales = new ArrayList<>();
        List<Double> expectedLosses = new ArrayList<>();
        for (int k = 0; k < steps; k++) {
            expectedScales.add(scale);
            expectedLosses.add(0.0 - 5.0 * applied * LR * C * C);
            if (scale * C >= FP16_OVERFLOW) {
                scale /= 2;
                finiteRun = 0;
                skipped++;
            } else {
                applied++;
                if (++finiteRun == interval) {
                    scale *= 2;
                    finiteRun = 0;
                }
            }
        }
        assertTrue(skipped >= 3 && applied >= 3, "the case must exercise both: skipped " + skipped);
        assertEquals(expectedScales, r.scales());
        assertEquals(expectedLosses, r.losses());
        assertEquals(skipped, r.skipped());
        float[] expected = new float[4];
        Arrays.fill(expected, -applied * LR * C);
        assertArrayEquals(expected, r.w(), 0f);
        assertArrayEquals(new float[] {-applied * LR * C}, r.b(), 0f);
    }

    /** One FLOAT32 vector parameter, SGD with η = 2⁻⁶; the cost is given by the program. */
    private static final class VectorProblem implements Trainable {
        NDArray p;
        NDArray ones;
        private Optimizer optimizer;

        @Override
        public void setUp(ProblemContext context) {
            p = context.manager().zeros(new Shape(1, 4), context.dataType());
            ones = context.manager().ones(new Shape(1, 4), context.dataType());
            optimizer = Sgd.builder().setLearningRate(LR).build();
        }

        @Override
        public ParameterList parameters() {
            return ParameterLists.of("p", p);
        }

        @Override
        public Optimizer optimizer() {
            return optimizer;
        }

        @Override
        public BatchSource data() {
            return new ToyProblem.EmptyBatches();
        }
    }

    /**
     * Bilevel: the lower cost ‖θ − u‖² (FLOAT32), the upper cost c·Σ(x·θᵀ) through a FLOAT16
     * product. The upper's scaled vector S·c·x reaching θ overflows FLOAT16 at the same scales as
     * above: the upper must skip those updates before any best-response product perturbs θ by
     * it, and otherwise step by its hypergradient 2·c·x (AID_FD of −∂²C_L/∂u∂θ = 2I).
     */
    @Test
    void anOverflowingHypergradientIsSkippedWithoutTouchingTheLowerProblem() {
        int steps = 12;
        VectorProblem lower = new VectorProblem();
        VectorProblem upper = new VectorProblem();
        Program program = Program.builder("bilevel-fp16")
                .problem(ProblemNode.builder("L", 1, lower)
                        .costFunction(b -> Cost.of(lower.p.sub(upper.p).square().sum())).build())
                .problem(ProblemNode.builder("U", 2, upper).costFunction(b ->
                        Cost.of(MixedPrecision.linear(upper.ones, lower.p, null, DataType.FLOAT16).sum().mul(C)))
                        .build())
                .upperToLower("U", "L")
                .lowerToUpper("L", "U")
                .path("U", "L", "U")
                .build();
        List<Double> scales = new ArrayList<>();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(steps)
                .optMixedPrecision(DataType.FLOAT16)
                .optLossScaling(() -> LossScaler.builder().optGrowthInterval(2).build()).build())) {
            engine.addListener(new EngineListener() {
                @Override
                public void onProblemStep(ProblemNode node, int local, int global, double loss, Cost cost) {
                    if (node.name().equals("U")) {
                        scales.add(cost.metrics().get("loss_scale"));
                    }
                }
            });
            engine.run();
            double scale = 65536;
            int finiteRun = 0;
            int applied = 0;
            List<Double> expectedScales = new ArrayList<>();
            for (int k = 0; k < steps; k++) {
                expectedScales.add(scale);
                if (scale * C >= FP16_OVERFLOW) {
                    scale /= 2;
                    finiteRun = 0;
                } else {
                    applied++;
                    if (++finiteRun == 2) {
                        scale *= 2;
                        finiteRun = 0;
                    }
                }
            }
            assertEquals(expectedScales, scales);
            assertEquals(steps - applied, engine.skippedSteps("U"));
            assertEquals(0, engine.skippedSteps("L"));
            for (float v : engine.parameters("L").get(0).toFloatArray()) {
                assertTrue(Float.isFinite(v), "the lower problem's parameters stay finite");
            }
            float[] u = engine.parameters("U").get(0).toFloatArray();
            for (float v : u) {
                // finite differences of an exactly linear gradient: float32 rounding only
                assertEquals(-applied * LR * 2 * C, v, 1e-3, Arrays.toString(u));
            }
        }
    }

    /** The loss scaler is part of a checkpoint: a resumed run continues with the same scales and parameters. */
    @Test
    void aResumedRunContinuesWithTheSavedLossScale(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        java.nio.file.Path checkpoint = dir.resolve("fp16.ckpt");
        java.util.function.Supplier<LossScaler> scalers = () -> LossScaler.builder().optGrowthInterval(2).build();
        Result whole = run(EngineConfig.builder().optMixedPrecision(DataType.FLOAT16).optLossScaling(scalers), 12);
        run(EngineConfig.builder().optMixedPrecision(DataType.FLOAT16).optLossScaling(scalers)
                .optCheckpoint(checkpoint, 6), 6);
        Result resumed = run(EngineConfig.builder().optMixedPrecision(DataType.FLOAT16).optLossScaling(scalers)
                .optResumeFrom(checkpoint), 12);
        // steps 7..12: after step 6 the scale is not the initial one, so a fresh scaler would differ
        assertTrue(whole.scales().get(6) != 65536.0, whole.scales().toString());
        assertEquals(whole.scales().subList(6, 12), resumed.scales());
        assertEquals(whole.losses().subList(6, 12), resumed.losses());
        assertEquals(whole.skipped(), resumed.skipped());
        assertArrayEquals(whole.w(), resumed.w(), 0f);
        assertArrayEquals(whole.b(), resumed.b(), 0f);

        // a checkpoint without loss scaling cannot be resumed into a run with it
        java.nio.file.Path plain = dir.resolve("fp32.ckpt");
        run(EngineConfig.builder().optCheckpoint(plain, 2), 2);
        java.io.UncheckedIOException e = assertThrows(java.io.UncheckedIOException.class, () -> run(
                EngineConfig.builder().optMixedPrecision(DataType.FLOAT16).optResumeFrom(plain), 4));
        assertTrue(e.getMessage().contains("without loss scaling"), e.getMessage());
    }

    @Test
    void bfloat16NeedsNoScalingAndAppliesEveryUpdate() {
        int steps = 5;
        Result r = run(EngineConfig.builder().optMixedPrecision(DataType.BFLOAT16), steps);
        assertEquals(List.of(), r.scales());
        assertEquals(0, r.skipped());
        float[] expected = new float[4];
        Arrays.fill(expected, -steps * LR * C);
        assertArrayEquals(expected, r.w(), 0f);
        for (int k = 0; k < steps; k++) {
            assertEquals(-5.0 * k * LR * C * C, r.losses().get(k), 0.0);
        }
    }

    @Test
    void meaninglessCombinationsAreClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EngineConfig.builder()
                .optMixedPrecision(DataType.FLOAT16).optDataType(DataType.FLOAT16).build());
        assertTrue(e.getMessage().contains("FLOAT32 master") && e.getMessage().contains("FLOAT16"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> EngineConfig.builder()
                .optMixedPrecision(DataType.BFLOAT16).optLossScaling(() -> LossScaler.builder().build()).build());
        assertTrue(e.getMessage().contains("loss scaling is for FLOAT16") && e.getMessage().contains("BFLOAT16"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> EngineConfig.builder().optMixedPrecision(DataType.FLOAT64));
        assertTrue(e.getMessage().contains("FLOAT64"), e.getMessage());
    }
}
