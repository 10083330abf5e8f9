package org.betty4j.example.maml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.dataset.Batch;
import java.util.Map;
import java.util.Random;
import org.betty4j.runtime.autograd.GradMode;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.junit.jupiter.api.Test;

/**
 * The meta-gradient the engine computes for one task is MAML's: the derivative of
 * {@code F(θ) = CE(θ + δ₅(θ); query)}, δ₅ the 5 adaptation steps from δ = 0, checked against
 * central finite differences of F along random directions, and told apart from the
 * first-order approximation (FOMAML), which holds the adapted weights fixed.
 */
class MamlMetaGradientTest {

    @Test
    void metaGradientMatchesFiniteDifferencesOfTheAdaptedQueryLoss() {
        Map<String, String> options = Map.of(MamlSettings.SHOTS_OPTION, "2", MamlSettings.QUERIES_OPTION, "3",
                MamlSettings.HIDDEN_OPTION, "16");
        MamlSettings settings = MamlSettings.from(options);
        Program program = MetaInitializationEngine.program();
        TaskAdapter adapter = (TaskAdapter) program.problem("TaskAdapter").trainable();
        float[][][] seen = new float[2][][];   // θ and the gradient at the first meta-update
        MetaInitialization capturing = new MetaInitialization() {
            @Override
            public void afterGradients(NDList parameters, NDList gradients) {
                if (seen[0] == null) {
                    seen[0] = new float[4][];
                    seen[1] = new float[4][];
                    for (int i = 0; i < 4; i++) {
                        seen[0][i] = parameters.get(i).toFloatArray();
                        seen[1][i] = gradients.get(i).toFloatArray();
                    }
                }
            }
        };
        adapter.initialization = capturing;
        capturing.adapter = adapter;
        // one task per meta-update, so the update's gradient is this task's meta-gradient
        program = program.toBuilder().replace(ProblemNode.builder("MetaInitialization", 2, capturing)
                .costFunction(capturing::trainingStep).build()).build();
        FewShotTasks.Task task;
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(MamlSettings.INNER_STEPS)
                .optSeed(9).optOptions(options).build())) {
            engine.run();
            assertEquals(1, engine.localSteps("MetaInitialization"));
            task = adapter.task();
        }
        assertNotNull(seen[0], "the meta problem took no update");
        Random random = new Random(17);
        try (NDManager m = NDManager.newBaseManager()) {
            FewShotMlp theta = FewShotMlp.create(m, 28 * 28, settings.hidden(), MamlSettings.WAYS, random,
                    DataType.FLOAT32);
            double engineError = 0;
            double firstOrderError = 0;
            for (int trial = 0; trial < 3; trial++) {
                float[][] u = new float[4][];
                double directional = 0;
                double norm = 0;
                for (int i = 0; i < 4; i++) {
                    u[i] = new float[seen[0][i].length];
                    for (int j = 0; j < u[i].length; j++) {
                        u[i][j] = (float) random.nextGaussian();
                        norm += u[i][j] * u[i][j];
                    }
                }
                norm = Math.sqrt(norm);
                for (int i = 0; i < 4; i++) {
                    for (int j = 0; j < u[i].length; j++) {
                        u[i][j] /= (float) norm;
                        directional += u[i][j] * seen[1][i][j];
                    }
                }
                // h = 1e-3: with 1e-2 the ReLU kinks and curvature already bend the secant
                double h = 1e-3;
                double finite = (adaptedQueryLoss(theta, seen[0], u, h, task, settings, m)
                        - adaptedQueryLoss(theta, seen[0], u, -h, task, settings, m)) / (2 * h);
                double tolerance = 0.02 * Math.abs(finite) + 1e-4;
                assertTrue(Math.abs(finite) > 10 * 1e-4, "a direction with a measurable slope: " + finite);
                assertEquals(finite, directional, tolerance,
                        "direction " + trial + ": finite difference " + finite + ", engine " + directional);
                engineError = Math.max(engineError, Math.abs(directional - finite));
                firstOrderError = Math.max(firstOrderError,
                        Math.abs(firstOrder(theta, seen[0], u, h, task, settings, m) - finite));
            }
            // the check tells MAML from its first-order approximation: that one misses by far more
            assertTrue(firstOrderError > 5 * engineError, "largest error over the directions: engine " + engineError
                    + ", first-order approximation " + firstOrderError);
        }
    }

    /** The first-order (FOMAML) slope: of {@code CE(φ₅ + s·u; query)} with the adapted φ₅ held fixed. */
    private static double firstOrder(FewShotMlp theta, float[][] theta0, float[][] u, double h, FewShotTasks.Task task,
            MamlSettings settings, NDManager m) {
        try (GradMode off = GradMode.disabled()) {
            for (int i = 0; i < 4; i++) {
                theta.arrays().get(i).set(theta0[i]);
            }
        }
        try (NDManager step = m.newSubManager()) {
            FewShotMlp adapted = Adaptation.adapted(theta, task, settings, MamlSettings.INNER_STEPS, step);
            float[][] phi = new float[4][];
            for (int i = 0; i < 4; i++) {
                phi[i] = adapted.arrays().get(i).toFloatArray();
            }
            Batch query = task.query(step);
            double[] f = new double[2];
            for (int k = 0; k < 2; k++) {
                try (GradMode off = GradMode.disabled()) {
                    for (int i = 0; i < 4; i++) {
                        float[] v = new float[phi[i].length];
                        for (int j = 0; j < v.length; j++) {
                            v[j] = (float) (phi[i][j] + (k == 0 ? h : -h) * u[i][j]);
                        }
                        adapted.arrays().get(i).set(v);
                    }
                    f[k] = FewShotMlp.crossEntropy(adapted.logits(query.getData().head()), query.getLabels().head())
                            .toType(DataType.FLOAT64, false).getDouble();
                }
            }
            return (f[0] - f[1]) / (2 * h);
        }
    }

    /** F(θ₀ + s·u): adapt from there (the evaluation's procedure), then the query cross-entropy. */
    private static double adaptedQueryLoss(FewShotMlp theta, float[][] theta0, float[][] u, double s,
            FewShotTasks.Task task, MamlSettings settings, NDManager m) {
        try (GradMode off = GradMode.disabled()) {
            for (int i = 0; i < 4; i++) {
                float[] v = new float[theta0[i].length];
                for (int j = 0; j < v.length; j++) {
                    v[j] = (float) (theta0[i][j] + s * u[i][j]);
                }
                theta.arrays().get(i).set(v);
            }
        }
        try (NDManager step = m.newSubManager()) {
            FewShotMlp adapted = Adaptation.adapted(theta, task, settings, MamlSettings.INNER_STEPS, step);
            Batch query = task.query(step);
            try (GradMode off = GradMode.disabled()) {
                NDArray loss = FewShotMlp.crossEntropy(adapted.logits(query.getData().head()), query.getLabels().head());
                return loss.toType(DataType.FLOAT64, false).getDouble();
            }
        }
    }
}
