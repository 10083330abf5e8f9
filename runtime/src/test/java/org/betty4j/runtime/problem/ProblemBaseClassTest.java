package org.betty4j.runtime.problem;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import java.util.Map;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.optim.Sgd;
import org.junit.jupiter.api.Test;

/** A problem written against {@link Problem} needs only its parameters, optimizer and cost. */
class ProblemBaseClassTest {

    /** Minimizes {@code Σ (θ - 3)²} with SGD; reads no data. */
    static final class Quadratic extends Problem {
        NDArray theta;
        int batchesWithData;

        @Override
        public void setUp(ProblemContext context) {
            theta = context.manager().create(new double[] {0.0, 1.0});
            parameters("theta", theta);
            optimizer(Sgd.builder().setLearningRate(context.learningRate(0.25f)).build());
        }

        Cost cost(Batch batch) {
            if (!batch.getData().isEmpty()) {
                batchesWithData++;
            }
            return Cost.of(theta.sub(3.0).square().sum());
        }
    }

    private static Program program(Quadratic q) {
        return Program.builder("Quadratic")
                .problem(ProblemNode.builder("Quadratic", 1, q).costFunction(q::cost).build())
                .build();
    }

    @Test
    void aProblemWithoutDataTrainsOnEmptyBatches() {
        Quadratic q = new Quadratic();
        try (Engine engine = new Engine(program(q), EngineConfig.builder().optIterations(3)
                .optProgressBar(false).build())) {
            engine.run();
            // θ ← θ - η·2(θ - 3) = θ(1 - 2η) + 6η with η = 0.25: three steps from 0 and 1
            double[] expected = {0.0, 1.0};
            for (int step = 0; step < 3; step++) {
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = expected[i] * 0.5 + 1.5;
                }
            }
            assertArrayEquals(expected, engine.parameters("Quadratic").head().toDoubleArray(), 1e-12);
        }
        assertEquals(0, q.batchesWithData);
    }

    @Test
    void theLearningRateOverrideReachesTheOptimizer() {
        Quadratic q = new Quadratic();
        try (Engine engine = new Engine(program(q), EngineConfig.builder().optIterations(1).optProgressBar(false)
                .optOptions(Map.of(ProblemContext.learningRateKey("Quadratic"), "0.5")).build())) {
            engine.run();
            // η = 0.5: one step lands on the optimum
            assertArrayEquals(new double[] {3.0, 3.0}, engine.parameters("Quadratic").head().toDoubleArray(), 1e-12);
        }
    }

    @Test
    void aMissingRegistrationNamesTheProblemAndTheFix() {
        Problem nothing = new Problem() {
            @Override
            public void setUp(ProblemContext context) {}
        };
        IllegalStateException noParams = assertThrows(IllegalStateException.class, nothing::parameters);
        assertTrue(noParams.getMessage().contains("setUp registered no parameters"), noParams.getMessage());
        assertTrue(noParams.getMessage().contains("model(block)"), noParams.getMessage());
        IllegalStateException noOptimizer = assertThrows(IllegalStateException.class, nothing::optimizer);
        assertTrue(noOptimizer.getMessage().contains("setUp registered no optimizer"), noOptimizer.getMessage());
    }

    @Test
    void theEmptyDataSourceCountsItsBatchesForCheckpoints() {
        BatchSource source = BatchSource.none();
        try (NDManager m = NDManager.newBaseManager()) {
            source.next(m).close();
            source.next(m).close();
            BatchSource restored = BatchSource.none();
            restored.restoreState(source.saveState());
            assertArrayEquals(source.saveState(), restored.saveState());
            assertThrows(IllegalArgumentException.class, () -> restored.restoreState(new byte[3]));
        }
    }
}
