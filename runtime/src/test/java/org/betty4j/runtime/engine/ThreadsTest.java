package org.betty4j.runtime.engine;

import org.betty4j.runtime.internal.Threads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.pytorch.jni.JniUtils;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.betty4j.runtime.cli.ProgramMain;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The engine sets libtorch's threads at start: as configured, or automatically from the cores. */
class ThreadsTest {

    private static int intraOpDuringRun(EngineConfig.Builder config) {
        ToyProblem p = new ToyProblem(new double[] {1, 2}, 0.1f);
        Program program = Program.builder("threads").problem(ToyProblem.node("P", 1, p, 1, b -> p.theta.square().sum()))
                .build();
        int[] seen = new int[2];
        try (Engine engine = new Engine(program, config.optIterations(2).build())) {
            engine.addListener(new EngineListener() {
                @Override
                public void onGlobalStep(Engine e, int step) {
                    seen[0] = JniUtils.getNumThreads();
                    seen[1] = JniUtils.getNumInteropThreads();
                }
            });
            engine.run();
        }
        return seen[0];
    }

    @AfterEach
    void backToAutomatic() {
        Threads.apply(0);
    }

    @Test
    void anExplicitCountIsInEffectDuringTheRun() {
        assertEquals(2, intraOpDuringRun(EngineConfig.builder().optThreads(2)));
        assertEquals(1, intraOpDuringRun(EngineConfig.builder().optThreads(1)));
    }

    @Test
    void theAutomaticCountFollowsTheCores() {
        int cores = Runtime.getRuntime().availableProcessors();
        assertEquals(cores <= 2 ? 1 : cores / 2, Threads.automatic());
        intraOpDuringRun(EngineConfig.builder().optThreads(2));
        // automatic again after an explicit count: not stuck at the previous run's setting
        assertEquals(Threads.automatic(), intraOpDuringRun(EngineConfig.builder()));
    }

    @Test
    void negativeCountsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EngineConfig.builder().optThreads(-1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        StringWriter err = new StringWriter();
        int code = ProgramMain.run(() -> Program.builder("x").problem(ToyProblem.node("P", 1,
                new ToyProblem(new double[] {1}, 0.1f), 1, b -> null)).build(), new String[] {"--threads", "0"},
                new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(ProgramMain.BAD_OPTIONS, code, err.toString());
        assertTrue(err.toString().contains("--threads 0: must be 1 or more"), err.toString());
    }
}
