package org.betty4j.runtime.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoint and resume of a whole run: a run killed with SIGKILL in the middle and resumed
 * from its last checkpoint ends with parameters bit-identical to an uninterrupted run.
 */
class CheckpointResumeTest {

    private static final int ITERATIONS = 150;

    @Test
    void killedAndResumedRunIsBitIdenticalToAnUninterruptedOne(@TempDir Path dir) throws Exception {
        Path full = dir.resolve("full.bin");
        Process uninterrupted = child(List.of(Integer.toString(ITERATIONS), full.toString()));
        assertEquals(0, waitFor(uninterrupted), "uninterrupted run failed");

        Path checkpoint = dir.resolve("run.ckpt");
        Path killedOut = dir.resolve("killed.bin");
        Process victim = child(List.of(Integer.toString(ITERATIONS), killedOut.toString(),
                checkpoint.toString(), "7", "15"));
        int lastStep = 0;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(victim.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("step ")) {
                    lastStep = Integer.parseInt(line.substring(5).trim());
                    if (lastStep >= 66) {
                        victim.destroyForcibly(); // SIGKILL: no shutdown hooks, no flushing
                        break;
                    }
                }
            }
        }
        victim.waitFor(30, TimeUnit.SECONDS);
        assertNotEquals(0, victim.exitValue(), "the run must have been killed");
        assertTrue(Files.exists(checkpoint), "a checkpoint must exist after " + lastStep + " steps");
        assertTrue(!Files.exists(killedOut), "the killed run must not have finished");

        Path resumed = dir.resolve("resumed.bin");
        Process resume = child(List.of(Integer.toString(ITERATIONS), resumed.toString(), "--resume", checkpoint.toString()));
        assertEquals(0, waitFor(resume), "resumed run failed");

        byte[] a = Files.readAllBytes(full);
        byte[] b = Files.readAllBytes(resumed);
        assertTrue(a.length > 0);
        assertEquals(-1, Files.mismatch(full, resumed), "parameters differ between uninterrupted and resumed runs");
        System.out.printf("killed at global step %d; resumed; final parameters bit-identical (%d bytes)%n",
                lastStep, b.length);
    }

    @Test
    void aFailedWriteLeavesThePreviousCheckpointIntact(@TempDir Path dir) throws IOException {
        Path checkpoint = dir.resolve("run.ckpt");
        try (Engine engine = new Engine(RegressionHpoProgram.program(),
                EngineConfig.builder().optIterations(5).optCheckpoint(checkpoint, 5).build())) {
            engine.run();
        }
        byte[] before = Files.readAllBytes(checkpoint);
        // a directory where the file should go: the write fails after the temp file was written
        Path blocked = dir.resolve("blocked");
        Files.createDirectories(blocked.resolve("occupied"));
        try (Engine engine = new Engine(RegressionHpoProgram.program(),
                EngineConfig.builder().optIterations(2).build())) {
            engine.run();
            assertThrows(UncheckedIOException.class, () -> engine.checkpoint(blocked));
        }
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(checkpoint)), "previous checkpoint changed");
        try (var files = Files.list(dir)) {
            assertEquals(0, files.filter(f -> f.toString().endsWith("tmp")).count(), "temporary file left behind");
        }
    }

    @Test
    void resumingAnotherProgramIsAClearError(@TempDir Path dir) throws IOException {
        Path checkpoint = dir.resolve("run.ckpt");
        Files.writeString(checkpoint, "not a checkpoint");
        try (Engine engine = new Engine(RegressionHpoProgram.program(),
                EngineConfig.builder().optIterations(2).optResumeFrom(checkpoint).build())) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, engine::run);
            assertTrue(e.getMessage().contains(checkpoint.toString()), e.getMessage());
        }
    }

    private static Process child(List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-Dai.djl.offline=true");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(RegressionHpoProgram.class.getName());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        return pb.start();
    }

    private static int waitFor(Process p) throws Exception {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            while (out.readLine() != null) {
                // drain
            }
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child run timed out");
        return p.exitValue();
    }
}
