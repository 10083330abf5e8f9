package org.betty4j.runtime.engine;


import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.betty4j.runtime.checkpoint.RegressionHpoProgramAccess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault injection into a small checkpoint (two problems, SGD momentum, Adam moments, gradient
 * accumulation, shuffled data): every single damaged byte, every truncation and appended bytes
 * give one {@link CheckpointException} naming the file and the damaged section, never another
 * exception and never a silently different run.
 */
class CheckpointIntegrityTest {

    /** Sections of the program's checkpoint after an odd step (one gradient being accumulated). */
    private static final List<String> SECTIONS = List.of("header",
            "Weights engine state", "Weights parameter 'theta'", "Weights accumulated gradient 0",
            "Weights optimizer state", "Weights data position", "Weights loss scaler",
            "Penalties engine state", "Penalties parameter 'theta'", "Penalties optimizer state",
            "Penalties data position", "Penalties loss scaler", "end");

    @TempDir
    static Path shared;
    private static byte[] intact;
    /** Where each section starts (its length field) and, last, the file's length. */
    private static int[] starts;

    @BeforeAll
    static void writeOne() throws IOException {
        Path file = shared.resolve("five.ckpt");
        try (Engine engine = new Engine(RegressionHpoProgramAccess.program(),
                EngineConfig.builder().optIterations(5).optCheckpoint(file, 5).build())) {
            engine.run();
        }
        intact = Files.readAllBytes(file);
        List<Integer> s = new ArrayList<>();
        int at = 20; // magic, version, preamble checksum
        while (at < intact.length) {
            s.add(at);
            at += 8 + ByteBuffer.wrap(intact, at, 4).getInt();
        }
        assertEquals(intact.length, at, "sections must tile the file");
        s.add(at);
        starts = s.stream().mapToInt(Integer::intValue).toArray();
        assertEquals(SECTIONS.size() + 1, starts.length, "sections of the checkpoint");
    }

    private static String sectionAt(int offset) {
        for (int i = SECTIONS.size() - 1; i >= 0; i--) {
            if (offset >= starts[i]) {
                return SECTIONS.get(i);
            }
        }
        return "preamble";
    }

    @Test
    void theIntactFileReadsBack(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("ok.ckpt");
        Files.write(file, intact);
        CheckpointInfo info = CheckpointInfo.read(file);
        assertEquals("regression-hpo", info.program());
        assertEquals(5, info.globalStep());
        assertEquals(List.of("Weights", "Penalties"), info.problems());
        assertEquals("5", info.settings().get("iterations"));
        assertTrue(info.settings().get("Weights hypergrad").startsWith("AID_FD"), info.settings().toString());
        assertEquals("0.01", info.settings().get("Penalties learning rate"));
    }

    @Test
    void everyDamagedByteIsOneErrorNamingFileAndSection(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("damaged.ckpt");
        for (int i = 0; i < intact.length; i++) {
            for (int flip : new int[] {0x01, 0xff}) {
                byte[] bytes = intact.clone();
                bytes[i] ^= (byte) flip;
                int offset = i;
                // through the file for a few offsets, in memory (the same reader) for the others
                boolean viaFile = i % 500 == 0;
                if (viaFile) {
                    Files.write(file, bytes);
                }
                CheckpointException e = assertThrows(CheckpointException.class,
                        () -> {
                            if (viaFile) {
                                CheckpointInfo.read(file);
                            } else {
                                Checkpoints.parse(file, bytes);
                            }
                        }, () -> "byte " + offset + " flipped was not detected");
                String expected = sectionAt(i);
                assertEquals(expected, e.section(), () -> "byte " + offset + ": " + e.getMessage());
                assertTrue(e.getMessage().startsWith("checkpoint " + file), e.getMessage());
                assertTrue(e.getMessage().contains(expected), e.getMessage());
                assertTrue(e.getMessage().contains("resume from an older checkpoint"), e.getMessage());
                assertTrue(e.damaged(), e.getMessage());
            }
        }
    }

    @Test
    void everyTruncationAndAppendedBytesAreOneError(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("short.ckpt");
        for (int length = 0; length < intact.length; length++) {
            byte[] cut = java.util.Arrays.copyOf(intact, length);
            int n = length;
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.parse(file, cut),
                    () -> "truncation to " + n + " bytes was not detected");
            assertTrue(e.damaged(), e.getMessage());
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        }
        Files.write(file, java.util.Arrays.copyOf(intact, intact.length + 3));
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointInfo.read(file));
        assertEquals("end", e.section(), e.getMessage());
        assertTrue(e.getMessage().contains("3 unexpected bytes"), e.getMessage());
    }

    @Test
    void aHugeDeclaredLengthIsCheckedAgainstTheFileBeforeAllocating(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("huge.ckpt");
        byte[] bytes = intact.clone();
        ByteBuffer.wrap(bytes, starts[2], 4).putInt(Integer.MAX_VALUE); // Weights parameter 'theta'
        Files.write(file, bytes);
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointInfo.read(file));
        assertEquals("Weights parameter 'theta'", e.section());
        assertTrue(e.getMessage().contains("declares " + Integer.MAX_VALUE + " bytes"), e.getMessage());
        ByteBuffer.wrap(bytes, starts[2], 4).putInt(-7);
        Files.write(file, bytes);
        e = assertThrows(CheckpointException.class, () -> CheckpointInfo.read(file));
        assertTrue(e.getMessage().contains("declares -7 bytes"), e.getMessage());
    }

    @Test
    void resumingFromADamagedWeightFailsAndLeavesTheRunUntouched(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("weights.ckpt");
        byte[] bytes = intact.clone();
        bytes[starts[3] - 5] ^= 0x10; // inside the Weights parameter's data
        Files.write(file, bytes);
        try (Engine engine = new Engine(RegressionHpoProgramAccess.program(),
                EngineConfig.builder().optIterations(8).optResumeFrom(file).build())) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, engine::run);
            assertTrue(e.getMessage().startsWith("checkpoint " + file + " is damaged: section 2 (Weights parameter"
                    + " 'theta')"), e.getMessage());
            assertEquals(0, engine.localSteps("Weights"), "nothing may be restored from a damaged file");
            NDArray theta = engine.parameters("Weights").get(0);
            assertArrayEquals(new double[12], theta.toDoubleArray(), "parameters changed by a failed resume");
        }
    }

    @Test
    void aFormat1CheckpointAndAnotherFileSayWhatTheyAre(@TempDir Path dir) throws IOException {
        Path old = dir.resolve("old.ckpt");
        try (var out = new java.io.DataOutputStream(Files.newOutputStream(old))) {
            out.writeUTF("betty4j-checkpoint");
            out.writeInt(1);
        }
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointInfo.read(old));
        assertTrue(e.getMessage().contains("format 1"), e.getMessage());
        assertFalse(e.damaged());
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "these are my notes, not a checkpoint");
        e = assertThrows(CheckpointException.class, () -> CheckpointInfo.read(text));
        assertTrue(e.getMessage().contains("does not start with BETTY4J-CKPT"), e.getMessage());
    }

    @Test
    void staleTemporaryFilesAreDeletedByTheNextWrite(@TempDir Path dir) throws IOException {
        Path stale = dir.resolve(".run.ckpt.8812734" + Checkpoints.TEMP_SUFFIX);
        Files.write(stale, java.util.Arrays.copyOf(intact, 100)); // a write killed half-way
        Path unrelated = dir.resolve("keep.tmp");
        Files.writeString(unrelated, "not ours");
        try (Engine engine = new Engine(RegressionHpoProgramAccess.program(),
                EngineConfig.builder().optIterations(2).optCheckpoint(dir.resolve("run.ckpt"), 2).build())) {
            engine.run();
        }
        assertFalse(Files.exists(stale), "stale temporary file left behind");
        assertTrue(Files.exists(unrelated), "a file that is not a checkpoint temporary was deleted");
        assertTrue(Files.exists(dir.resolve("run.ckpt")));
    }

    @Test
    void resumingWithFewerIterationsThanTheCheckpointIsAnError(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("five.ckpt");
        Files.write(file, intact);
        try (Engine engine = new Engine(RegressionHpoProgramAccess.program(),
                EngineConfig.builder().optIterations(3).optResumeFrom(file).build())) {
            IllegalStateException e = assertThrows(IllegalStateException.class, engine::run);
            assertTrue(e.getMessage().contains("after global step 5, beyond this run's 3 iterations"), e.getMessage());
        }
    }

    @Test
    void aResumeWithOtherSettingsSaysWhichDiffer(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("five.ckpt");
        Files.write(file, intact);
        try (Engine engine = new Engine(RegressionHpoProgramAccess.program(),
                EngineConfig.builder().optIterations(6).optSeed(7).optResumeFrom(file).build())) {
            engine.run();
            assertEquals(List.of("seed: checkpoint 42, this run 7", "iterations: checkpoint 5, this run 6"),
                    engine.settingsChangedOnResume());
            assertEquals(6, engine.globalStep());
        }
        try (Engine engine = new Engine(RegressionHpoProgramAccess.program(),
                EngineConfig.builder().optIterations(5).optResumeFrom(file).build())) {
            engine.run();
            assertEquals(List.of(), engine.settingsChangedOnResume());
        }
    }
}
