package org.betty4j.example.maml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.betty4j.example.model.ExperimentData;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Program 6 (MAML): task construction, the generated program's inner loop, the quick mode. */
class MamlProgramTest {

    @Test
    void generatedWiringHasTheTwoLevelsAndOnePath() {
        assertEquals(List.of("TaskAdapter", "MetaInitialization"), MetaInitializationEngine.EXECUTION_ORDER);
        assertEquals(List.of(List.of("MetaInitialization", "TaskAdapter", "MetaInitialization")),
                MetaInitializationEngine.program().pathsOf("MetaInitialization"));
    }

    @Test
    void tasksAreBalancedDisjointAndDrawnFromTheirHalf() {
        FewShotTasks pools = FewShotTasks.of(ExperimentData.load(null));
        FewShotTasks.Task task = pools.sample(new Random(5), FewShotTasks.TEST_CLASSES, 5, 3, 4);
        int[] sorted = task.classes().clone();
        Arrays.sort(sorted);
        assertArrayEquals(FewShotTasks.TEST_CLASSES, sorted, "a 5-way task uses all five classes of its half");
        int pixels = pools.pixels();
        int[] perLabel = new int[5];
        for (int y : task.supportY()) {
            perLabel[y]++;
        }
        assertArrayEquals(new int[] {3, 3, 3, 3, 3}, perLabel);
        for (int q = 0; q < task.queryY().length; q++) {
            float[] query = Arrays.copyOfRange(task.queryX(), q * pixels, (q + 1) * pixels);
            for (int s = 0; s < task.supportY().length; s++) {
                assertFalse(Arrays.equals(query, Arrays.copyOfRange(task.supportX(), s * pixels, (s + 1) * pixels)),
                        "query image " + q + " is also support image " + s);
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pools.sample(new Random(1), FewShotTasks.TRAIN_CLASSES, 5, 0, 4));
        assertTrue(e.getMessage().contains("shots = 0"), e.getMessage());
    }

    /**
     * After one task's inner loop (5 global steps) the engine's adapted weights equal those of
     * the evaluation's adaptation from the (not yet updated) meta-initialization on the same
     * support set: the reset at the inner-loop start and the adaptation are one procedure.
     * Then, after 8 tasks (two meta-batches), the meta-initialization has moved.
     */
    @Test
    void innerLoopIsTheEvaluationsAdaptationFromTheMetaInitialization() {
        Map<String, String> options = Map.of(MamlSettings.SHOTS_OPTION, "2");
        MamlSettings settings = MamlSettings.from(options);
        try (Engine engine = MetaInitializationEngine.create(EngineConfig.builder()
                        .optIterations(MamlSettings.INNER_STEPS).optSeed(4).optOptions(options).build());
                NDManager manager = NDManager.newBaseManager()) {
            engine.run();
            TaskAdapter adapter = (TaskAdapter) engine.program().problem("TaskAdapter").trainable();
            MetaInitialization meta = (MetaInitialization) engine.program().problem("MetaInitialization").trainable();
            assertEquals(1, adapter.tasksSeen());
            assertEquals(1, engine.localSteps("MetaInitialization"));
            FewShotMlp expected = Adaptation.adapted(meta.network(), adapter.task(), settings,
                    MamlSettings.INNER_STEPS, manager);
            float[] initial = meta.network().arrays().get(0).toFloatArray();
            for (int i = 0; i < 4; i++) {
                float[] want = expected.arrays().get(i).toFloatArray();
                float[] got = adapter.network().arrays().get(i).toFloatArray();
                for (int j = 0; j < want.length; j++) {
                    assertEquals(want[j], got[j], 1e-5, "array " + i + " element " + j);
                }
            }
            assertNotEquals(Arrays.toString(initial), Arrays.toString(expected.arrays().get(0).toFloatArray()),
                    "the adaptation moved the weights");
        }
        try (Engine engine = MetaInitializationEngine.create(EngineConfig.builder()
                .optIterations(8 * MamlSettings.INNER_STEPS).optSeed(4).optOptions(options).build())) {
            float[][] before = new float[1][];
            engine.addListener(new org.betty4j.runtime.engine.EngineListener() {
                @Override
                public void onRunStart(Engine e) {
                    before[0] = e.parameters("MetaInitialization").get(2).toFloatArray();
                }
            });
            engine.run();
            assertEquals(8, engine.localSteps("MetaInitialization"));
            assertNotEquals(Arrays.toString(before[0]),
                    Arrays.toString(engine.parameters("MetaInitialization").get(2).toFloatArray()),
                    "two meta-batches updated the initialization");
        }
    }

    @Test
    void badOptionIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MamlSettings.from(Map.of(MamlSettings.LAMBDA_OPTION, "-1")));
        assertTrue(e.getMessage().contains("maml-lambda = -1.0"), e.getMessage());
    }

    @Test
    void quickModeWritesTheTableAndPlots(@TempDir Path dir) throws Exception {
        StringWriter log = new StringWriter();
        int code = MamlApp.run(new String[] {"--quick", "--out", dir.toString()}, new PrintWriter(log, true));
        assertEquals(0, code, log.toString());
        String md = Files.readString(dir.resolve("results.md"));
        for (String row : List.of("| scratch", "| pretrain (head reset) + finetune", "| MAML (MLO")) {
            assertTrue(md.contains(row), "missing row " + row + " in\n" + md);
        }
        assertTrue(Files.size(dir.resolve("adaptation-unseen-classes.png")) > 1000);
        assertTrue(Files.size(dir.resolve("adaptation-seen-classes.png")) > 1000);
        assertTrue(Files.size(dir.resolve("meta-training.png")) > 1000);
        assertTrue(log.toString().contains("seed 1: query accuracy after 5 steps"), log.toString());
    }
}
