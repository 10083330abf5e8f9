package org.betty4j.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.ParameterList;
import java.util.ArrayList;
import java.util.List;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ParameterLists;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;
import org.junit.jupiter.api.Test;

/** Reduced precision where the engine supports it, a clear error where the type is not floating. */
class PrecisionTest {

    /** Parameters created in the run's precision, as a problem is meant to. */
    private static final class InPrecision implements Trainable {
        NDArray theta;
        private Optimizer optimizer;

        @Override
        public void setUp(ProblemContext context) {
            theta = context.manager().create(new float[] {1f, -2f, 3f}).toType(context.dataType(), false);
            optimizer = Sgd.builder().setLearningRate(0.1f).build();
        }

        @Override
        public ParameterList parameters() {
            return ParameterLists.of("theta", theta);
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

    @Test
    void float16TrainsOnTheCpuInItsType() {
        for (DataType type : List.of(DataType.FLOAT16)) {
            InPrecision lower = new InPrecision();
            InPrecision upper = new InPrecision();
            List<Double> losses = new ArrayList<>();
            Program program = Program.builder("precision")
                    .problem(ProblemNode.builder("L", 1, lower)
                            .costFunction(b -> Cost.of(lower.theta.sub(upper.theta.mul(0.5)).square().sum())).build())
                    .problem(ProblemNode.builder("U", 2, upper)
                            .costFunction(b -> Cost.of(lower.theta.square().sum())).build())
                    .upperToLower("U", "L")
                    .lowerToUpper("L", "U")
                    .path("U", "L", "U")
                    .build();
            try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(20).optDataType(type).build())) {
                engine.addListener(new EngineListener() {
                    @Override
                    public void onProblemStep(ProblemNode p, int local, int global, double loss, Cost cost) {
                        if (p.name().equals("U")) {
                            losses.add(loss);
                        }
                    }
                });
                engine.run();
                assertEquals(type, engine.parameters("L").get(0).getDataType());
                assertEquals(type, engine.parameters("U").get(0).getDataType());
            }
            assertTrue(losses.get(19) < 0.5 * losses.get(0), type + ": the upper loss should fall, got " + losses);
        }
    }

    @Test
    void bfloat16IsRefusedWithAReasonInsteadOfAbortingTheJvm() {
        InPrecision p = new InPrecision();
        Program program = Program.builder("bf16")
                .problem(ProblemNode.builder("P", 1, p).costFunction(b -> Cost.of(p.theta.square().sum())).build())
                .build();
        try (Engine engine = new Engine(program,
                EngineConfig.builder().optIterations(1).optDataType(DataType.BFLOAT16).build())) {
            IllegalStateException e = assertThrows(IllegalStateException.class, engine::run);
            assertTrue(e.getMessage().contains("BFLOAT16") && e.getMessage().contains("FLOAT16"), e.getMessage());
        }
    }

    @Test
    void aNonFloatingPrecisionIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EngineConfig.builder().optDataType(DataType.INT32));
        assertTrue(e.getMessage().contains("INT32") && e.getMessage().contains("BFLOAT16"), e.getMessage());
    }
}
