package org.betty4j.runtime.cli;

import static org.betty4j.runtime.cli.ProgramMainTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.betty4j.runtime.cli.ProgramMainTest.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resume from the generated main and the checks before the first step, in-process on
 * {@link ResumableProgram}: an interrupted run (its last checkpoint missing, torn lines at the
 * end of its files) resumed with --resume ends with metrics and CSV files byte-identical to an
 * uninterrupted run's; every bad input is a one-line error with exit code 2 and writes nothing.
 */
class ResumeCommandTest {

    private static List<String> args(Path dir, int iterations, String... more) {
        List<String> a = new ArrayList<>(List.of("--global-steps", Integer.toString(iterations), "--log-every", "0",
                "--validate-every", "4", "--checkpoint-every", "4",
                "--checkpoint-dir", dir.resolve("ckpt").toString(),
                "--metrics-file", dir.resolve("metrics.jsonl").toString(),
                "--output-dir", dir.resolve("out").toString()));
        a.addAll(List.of(more));
        return a;
    }

    private static Run runArgs(List<String> args) {
        return run(ResumableProgram::program, args.toArray(String[]::new));
    }

    private static void assertSameFiles(Path expected, Path actual) throws IOException {
        for (String f : List.of("metrics.jsonl", "out/losses.csv", "out/validation.csv")) {
            assertEquals(Files.readString(expected.resolve(f)), Files.readString(actual.resolve(f)), f + " differs");
        }
    }

    /** A run of 10 steps whose step-10 checkpoint was lost and whose files end in a torn line. */
    private static void interruptedRun(Path dir) throws IOException {
        Run first = runArgs(args(dir, 10));
        assertEquals(ProgramMain.OK, first.exitCode(), first.err());
        Files.delete(dir.resolve("ckpt/step-000000010.ckpt"));
        Files.writeString(dir.resolve("metrics.jsonl"), "{\"type\":\"step\",\"glo", StandardOpenOption.APPEND);
        Files.writeString(dir.resolve("out/losses.csv"), "Weights,11,1", StandardOpenOption.APPEND);
    }

    @Test
    void aResumedRunWritesExactlyTheFilesOfAnUninterruptedOne(@TempDir Path dir) throws IOException {
        Path reference = dir.resolve("reference");
        Run full = runArgs(args(reference, 12));
        assertEquals(ProgramMain.OK, full.exitCode(), full.err());

        Path resumed = dir.resolve("resumed");
        interruptedRun(resumed);
        assertEquals(List.of("step-000000008.ckpt"), names(resumed.resolve("ckpt")));
        Run resume = runArgs(args(resumed, 12, "--resume"));
        assertEquals(ProgramMain.OK, resume.exitCode(), resume.err());
        assertTrue(resume.out().contains("resuming from " + resumed.resolve("ckpt/step-000000008.ckpt")
                + " after global step 8"), resume.out());
        assertTrue(resume.err().contains("iterations: checkpoint 10, this run 12"), resume.err());
        assertSameFiles(reference, resumed);
        assertEquals(List.of("step-000000008.ckpt", "step-000000012.ckpt"), names(resumed.resolve("ckpt")),
                "the newest two checkpoints are kept");
    }

    /**
     * Killed after its last checkpoint and its end-of-run validation (written after that
     * checkpoint): the resume takes no step and writes the end validation once, not twice.
     */
    @Test
    void aRunKilledAfterItsLastCheckpointResumesWithoutDuplicatingTheEndValidation(@TempDir Path dir)
            throws IOException {
        Path reference = dir.resolve("reference");
        assertEquals(ProgramMain.OK, runArgs(args(reference, 10)).exitCode());
        Path resumed = dir.resolve("resumed");
        assertEquals(ProgramMain.OK, runArgs(args(resumed, 10)).exitCode());
        Run resume = runArgs(args(resumed, 10, "--resume"));
        assertEquals(ProgramMain.OK, resume.exitCode(), resume.err());
        assertTrue(resume.out().contains("after global step 10"), resume.out());
        assertSameFiles(reference, resumed);
    }

    @Test
    void aDamagedNewestCheckpointFallsBackToThePreviousOneAndSaysSo(@TempDir Path dir) throws IOException {
        Path reference = dir.resolve("reference");
        assertEquals(ProgramMain.OK, runArgs(args(reference, 12)).exitCode());

        Path resumed = dir.resolve("resumed");
        interruptedRun(resumed);
        // the run before had kept step 4 too: the interrupted run of 10 keeps 8 only after 10 was written
        Run again = runArgs(args(dir.resolve("scratch"), 4));
        assertEquals(ProgramMain.OK, again.exitCode(), again.err());
        Files.copy(dir.resolve("scratch/ckpt/step-000000004.ckpt"), resumed.resolve("ckpt/step-000000004.ckpt"));
        Path newest = resumed.resolve("ckpt/step-000000008.ckpt");
        byte[] bytes = Files.readAllBytes(newest);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(newest, bytes);

        Run resume = runArgs(args(resumed, 12, "--resume"));
        assertEquals(ProgramMain.OK, resume.exitCode(), resume.err());
        assertTrue(resume.err().contains("warning: checkpoint " + newest + " is damaged: section "), resume.err());
        assertTrue(resume.err().contains("renamed it to step-000000008.ckpt.damaged and falling back to the previous"
                + " checkpoint"), resume.err());
        assertTrue(resume.out().contains("after global step 4"), resume.out());
        assertTrue(Files.exists(resumed.resolve("ckpt/step-000000008.ckpt.damaged")));
        assertSameFiles(reference, resumed);
    }

    @Test
    void aResumeWithAnotherSeedSaysWhatDiffersAndWhatWins(@TempDir Path dir) {
        assertEquals(ProgramMain.OK, runArgs(args(dir, 4)).exitCode());
        Run resume = runArgs(args(dir, 8, "--resume", "--seed", "7", "--set", "ridge.init=0.3"));
        assertEquals(ProgramMain.OK, resume.exitCode(), resume.err());
        assertTrue(resume.err().contains("seed: checkpoint 42, this run 7"), resume.err());
        assertTrue(resume.err().contains("option ridge.init: checkpoint (not set), this run 0.3"), resume.err());
        assertTrue(resume.err().contains("This run's settings apply from global step 5 on; parameters, optimizer"
                + " state, counters and data position come from the checkpoint."), resume.err());
    }

    /** Bad inputs: exit code 2, one line naming the problem, nothing written. */
    private static void assertRefused(Path dir, List<String> args, String message) throws IOException {
        List<String> before = tree(dir);
        Run r = runArgs(args);
        assertEquals(ProgramMain.BAD_OPTIONS, r.exitCode(), r.err());
        String first = r.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("error: ") && first.contains(message), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertEquals(before, tree(dir), "a refused run wrote something");
    }

    @Test
    void badInputsAreRefusedBeforeAnythingIsWritten(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("blocker"), "a file, not a directory");
        assertRefused(dir, args(dir, 4, "--set", "ridge.int=0.2"),
                "--set ridge.int=0.2: no problem of program resumable reads option 'ridge.int'; did you mean"
                        + " 'ridge.init'?");
        assertRefused(dir, args(dir, 4, "--plots", dir.resolve("blocker/plots").toString()),
                "--plots " + dir.resolve("blocker/plots") + ": cannot be created, " + dir.resolve("blocker")
                        + " is not a directory");
        assertRefused(dir, List.of("--iterations", "4", "--metrics-file", dir.resolve("blocker/m.jsonl").toString()),
                "is not a directory");
        assertRefused(dir, List.of("--iterations", "4", "--metrics-file", "/proc/betty4j/metrics.jsonl"),
                "--metrics-file /proc/betty4j/metrics.jsonl: cannot");
        assertRefused(dir, args(dir, 4, "--resume"), "--resume: " + dir.resolve("ckpt")
                + " holds no checkpoint (step-*.ckpt); run without --resume to start afresh");
        assertRefused(dir, List.of("--checkpoint-every", "3"), "--checkpoint-every 3 needs --checkpoint-dir DIR");
        assertRefused(dir, List.of("--checkpoint-dir", dir.resolve("c").toString(), "--checkpoint-every", "0"),
                "--checkpoint-every 0: must be 1 or more global steps");
        assertRefused(dir, List.of("--resume"), "--resume needs --checkpoint-dir DIR");
        // a program whose data source cannot be checkpointed: refused before the first step
        List<String> before = tree(dir);
        Run solo = run(() -> ProgramMainTest.solo(true), "--iterations", "3", "--checkpoint-dir",
                dir.resolve("solo-ckpt").toString(), "--metrics-file", dir.resolve("solo.jsonl").toString());
        assertEquals(ProgramMain.BAD_OPTIONS, solo.exitCode(), solo.err());
        assertTrue(solo.err().startsWith("error: --checkpoint-dir " + dir.resolve("solo-ckpt") + ": "), solo.err());
        assertTrue(solo.err().contains("cannot be checkpointed: implement BatchSource.saveState/restoreState"),
                solo.err());
        assertEquals(before, tree(dir), "a refused run wrote something");
    }

    @Test
    void existingOutputsAreReplacedOnlyWithOverwrite(@TempDir Path dir) throws IOException {
        assertEquals(ProgramMain.OK, runArgs(args(dir, 4)).exitCode());
        String metrics = Files.readString(dir.resolve("metrics.jsonl"));
        assertRefused(dir, args(dir, 4), "refusing to replace existing output: --output-dir " + dir.resolve("out")
                + " holds graph.txt, graph.dot, losses.csv, validation.csv; --metrics-file " + dir.resolve("metrics.jsonl")
                + " exists; " + dir.resolve("ckpt") + " holds checkpoints of an earlier run (pass --resume to continue"
                + " it); pass --overwrite to replace, or choose other paths");
        assertEquals(metrics, Files.readString(dir.resolve("metrics.jsonl")));
        Run again = runArgs(args(dir, 4, "--overwrite"));
        assertEquals(ProgramMain.OK, again.exitCode(), again.err());
        assertEquals(metrics, Files.readString(dir.resolve("metrics.jsonl")), "the same run, replaced");
        // fewer iterations than the newest checkpoint's step
        assertRefused(dir, args(dir, 3, "--resume"), "--resume: the newest checkpoint, " + dir.resolve(
                "ckpt/step-000000004.ckpt") + ", was written after global step 4, beyond this run's --global-steps 3;"
                + " run at least 4 global steps to resume it");
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Every path under {@code dir} with its size and content hash. */
    private static List<String> tree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.sorted().map(p -> {
                try {
                    return dir.relativize(p) + (Files.isRegularFile(p)
                            ? " " + java.util.Arrays.hashCode(Files.readAllBytes(p)) : "/");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
