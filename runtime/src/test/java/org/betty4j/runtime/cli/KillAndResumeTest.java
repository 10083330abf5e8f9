package org.betty4j.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.betty4j.annotations.HypergradMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault injection on the generated main: for each hypergradient method, a run with checkpoints
 * is killed with SIGKILL (no shutdown hook, no flush) at a random point in a child JVM and
 * resumed with {@code --resume}; its metrics file (every loss and the final parameters, as exact
 * decimals), losses.csv and validation.csv must be byte-identical to an uninterrupted run's.
 * Checkpoints every 3 global steps fall on the lower problem's loop boundaries (unroll 3), where
 * ITD_RMAD holds no recorded updates, so its resume is exact too.
 */
class KillAndResumeTest {

    private static final int ITERATIONS = 18;
    private static final List<String> FILES = List.of("metrics.jsonl", "out/losses.csv", "out/validation.csv");

    private static List<String> args(Path dir, HypergradMethod method, String... more) {
        List<String> a = new ArrayList<>(List.of("--global-steps", Integer.toString(ITERATIONS), "--log-every", "0",
                "--validate-every", "10", "--checkpoint-every", "3", "--method", "Weights=" + method,
                "--set", "step-sleep-ms=25",
                "--checkpoint-dir", dir.resolve("ckpt").toString(),
                "--metrics-file", dir.resolve("metrics.jsonl").toString(),
                "--output-dir", dir.resolve("out").toString()));
        a.addAll(List.of(more));
        return a;
    }

    @Test
    void killedRunsResumeBitIdenticallyForEveryMethod(@TempDir Path dir) throws Exception {
        HypergradMethod[] methods = {HypergradMethod.AID_FD, HypergradMethod.AID_CG, HypergradMethod.AID_NEUMANN,
            HypergradMethod.ITD_RMAD};
        List<String> references = new ArrayList<>();
        for (HypergradMethod m : methods) {
            if (!references.isEmpty()) {
                references.add("--next");
            }
            references.addAll(args(dir.resolve("reference-" + m), m));
        }
        Process reference = child(references, dir.resolve("reference.log"));

        long seed = System.nanoTime();
        Random random = new Random(seed);
        List<String> resumes = new ArrayList<>();
        StringBuilder killedAt = new StringBuilder();
        // the victims run side by side (each sleeps between steps), each killed at its own point
        List<Process> victims = new ArrayList<>();
        for (HypergradMethod m : methods) {
            victims.add(child(args(dir.resolve("killed-" + m), m), dir.resolve("killed-" + m + ".log")));
        }
        int[] targets = new int[methods.length];
        for (int i = 0; i < methods.length; i++) {
            // a step writes one or two lines; 8 lines or more means the step-3 checkpoint is complete
            targets[i] = 8 + random.nextInt(12); // of 26 lines in all
        }
        int[] seen = killAll(victims, methods, dir, targets);
        for (int i = 0; i < methods.length; i++) {
            killedAt.append(methods[i]).append(" after ").append(seen[i]).append(" lines; ");
            if (!resumes.isEmpty()) {
                resumes.add("--next");
            }
            resumes.addAll(args(dir.resolve("killed-" + methods[i]), methods[i], "--resume"));
        }
        assertTrue(reference.waitFor(300, TimeUnit.SECONDS), "reference runs timed out");
        String log = Files.readString(dir.resolve("reference.log"));
        assertEquals(methods.length, log.lines().filter(l -> l.startsWith("exit 0 ")).count(), log);

        Process resume = child(resumes, dir.resolve("resume.log"));
        assertTrue(resume.waitFor(300, TimeUnit.SECONDS), "resumes timed out");
        String resumeLog = Files.readString(dir.resolve("resume.log"));
        assertEquals(methods.length, resumeLog.lines().filter(l -> l.startsWith("exit 0 ")).count(),
                "seed " + seed + ", " + killedAt + "\n" + resumeLog);
        for (HypergradMethod m : methods) {
            for (String f : FILES) {
                Path expected = dir.resolve("reference-" + m).resolve(f);
                Path actual = dir.resolve("killed-" + m).resolve(f);
                assertEquals(Files.readString(expected), Files.readString(actual),
                        m + ": " + f + " differs (seed " + seed + ", " + killedAt + ")");
            }
            try (Stream<Path> left = Files.list(dir.resolve("killed-" + m).resolve("ckpt"))) {
                List<String> names = left.map(p -> p.getFileName().toString()).sorted().toList();
                assertEquals(List.of("step-000000015.ckpt", "step-000000018.ckpt"), names,
                        m + ": the newest two checkpoints and no temporary file");
            }
        }
        System.out.println("kill -9 and resume, bit-identical for every method: " + killedAt + "seed " + seed);
    }

    /**
     * Watches every victim's metrics file and kills each with SIGKILL once it holds its target
     * number of lines; returns the lines seen at the kill.
     */
    private static int[] killAll(List<Process> victims, HypergradMethod[] methods, Path dir, int[] targets)
            throws Exception {
        int[] seen = new int[victims.size()];
        boolean[] killed = new boolean[victims.size()];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        int left = victims.size();
        while (left > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the victims did not reach their targets in time");
            }
            for (int i = 0; i < victims.size(); i++) {
                if (killed[i]) {
                    continue;
                }
                Path file = dir.resolve("killed-" + methods[i]).resolve("metrics.jsonl");
                long n = Files.exists(file) ? Files.readString(file).chars().filter(c -> c == '\n').count() : 0;
                if (n >= targets[i]) {
                    victims.get(i).destroyForcibly();
                    assertTrue(victims.get(i).waitFor(60, TimeUnit.SECONDS));
                    seen[i] = (int) n;
                    killed[i] = true;
                    left--;
                } else if (!victims.get(i).isAlive()) {
                    throw new AssertionError(methods[i] + ": the run ended (exit " + victims.get(i).exitValue()
                            + ") before writing " + targets[i] + " lines; see killed-" + methods[i] + ".log");
                }
            }
            Thread.sleep(2);
        }
        return seen;
    }

    private static Process child(List<String> args, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-Dai.djl.offline=true");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ResumableProgram.class.getName());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        return pb.start();
    }
}
