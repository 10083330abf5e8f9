package org.betty4j.runtime.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.betty4j.runtime.engine.CheckpointInfo;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineListener;
import picocli.CommandLine.Option;

/**
 * Checkpoints, resume and the safety of a run's outputs: {@code --checkpoint-dir},
 * {@code --checkpoint-every}, {@code --resume}, {@code --overwrite}. Everything here is
 * checked before the first step: every output path must be writable, an existing output is
 * replaced only with {@code --overwrite} (a resumed run appends to its own files instead), a
 * resume picks the newest checkpoint that verifies and must not have fewer iterations than it.
 */
final class PersistenceOptions {

    @Option(names = "--checkpoint-dir", paramLabel = "DIR",
            description = "Write checkpoints of the whole run here (step-N.ckpt; the newest two are kept).")
    Path checkpointDir;

    @Option(names = "--checkpoint-every", paramLabel = "N",
            description = "Checkpoint every N global steps, after the last one and on an early stop"
                    + " (default: 100; needs --checkpoint-dir).")
    Integer checkpointEvery;

    @Option(names = "--resume",
            description = "Continue the run from the newest intact checkpoint in --checkpoint-dir (a damaged newest one"
                    + " is reported and the previous one used); --metrics-file and --output-dir files are cut back to"
                    + " its step and appended to.")
    boolean resume;

    @Option(names = "--overwrite",
            description = "Replace existing outputs (metrics file, CSV files, plots, ONNX files, checkpoints of an"
                    + " earlier run); without it a run that would replace one stops before the first step.")
    boolean overwrite;

    /** One output of the run: an option's file, or the files an option writes into a directory. */
    record Output(String option, Path path, boolean directory, Collection<String> files, boolean appendedOnResume) {

        static Output file(String option, Path path, boolean appendedOnResume) {
            return new Output(option, path, false, List.of(), appendedOnResume);
        }

        static Output directory(String option, Path path, Collection<String> files, boolean appendedOnResume) {
            return new Output(option, path, true, List.copyOf(files), appendedOnResume);
        }
    }

    /** What {@link #prepare} decided: the checkpoint to resume from (null for a fresh run). */
    record Plan(CheckpointInfo resumeFrom, CheckpointDirectory checkpoints, int every) {

        int resumedAfter() {
            return resumeFrom == null ? -1 : resumeFrom.globalStep();
        }
    }

    /** Option combinations that make no sense, before anything is built. */
    void checkCombinations() {
        if (checkpointEvery != null && checkpointDir == null) {
            throw new UsageException("--checkpoint-every " + checkpointEvery + " needs --checkpoint-dir DIR");
        }
        if (checkpointEvery != null && checkpointEvery < 1) {
            throw new UsageException("--checkpoint-every " + checkpointEvery + ": must be 1 or more global steps");
        }
        if (resume && checkpointDir == null) {
            throw new UsageException("--resume needs --checkpoint-dir DIR: the directory of the run's checkpoints");
        }
    }

    /**
     * Chooses the checkpoint to resume from and checks every output, before the engine is
     * built: nothing is written when this throws.
     */
    Plan prepare(String programName, int iterations, String runLength, List<Output> outputs, PrintWriter err) {
        List<Output> all = new ArrayList<>(outputs);
        CheckpointDirectory checkpoints = checkpointDir == null ? null : new CheckpointDirectory(checkpointDir);
        if (checkpoints != null) {
            all.add(new Output("--checkpoint-dir", checkpointDir, true, List.of(), true));
        }
        for (Output o : all) {
            checkWritable(o);
        }
        CheckpointInfo from = null;
        if (resume) {
            from = checkpoints.latestValid(programName, err);
            if (from.globalStep() > iterations) {
                throw new UsageException("--resume: the newest checkpoint, " + from.file() + ", was written after global"
                        + " step " + from.globalStep() + ", beyond this run's " + runLength + "; run at least "
                        + from.globalStep() + " global steps to resume it");
            }
        }
        if (!overwrite) {
            List<String> existing = new ArrayList<>();
            for (Output o : all) {
                if (!(resume && o.appendedOnResume())) {
                    existing.addAll(existing(o));
                }
            }
            if (checkpoints != null && !resume && !checkpoints.checkpoints().isEmpty()) {
                existing.add(checkpointDir + " holds checkpoints of an earlier run (pass --resume to continue it)");
            }
            if (!existing.isEmpty()) {
                throw new UsageException("refusing to replace existing output: " + String.join("; ", existing)
                        + "; pass --overwrite to replace, or choose other paths");
            }
        }
        return new Plan(from, checkpoints, checkpointEvery == null ? 100 : checkpointEvery);
    }

    /** The output files that exist now. */
    private static List<String> existing(Output o) {
        List<String> found = new ArrayList<>();
        if (!o.directory()) {
            if (Files.exists(o.path())) {
                found.add(o.option() + " " + o.path() + " exists");
            }
            return found;
        }
        List<String> names = new ArrayList<>();
        for (String f : o.files()) {
            if (Files.exists(o.path().resolve(f))) {
                names.add(f);
            }
        }
        if (!names.isEmpty()) {
            found.add(o.option() + " " + o.path() + " holds " + String.join(", ", names));
        }
        return found;
    }

    /**
     * The path can be created and written: its nearest existing ancestor is a directory where
     * a file can be made (tried with a temporary file, deleted at once); an existing file
     * output is a regular file, an existing directory output a directory.
     */
    private static void checkWritable(Output o) {
        Path path = o.path().toAbsolutePath().normalize();
        if (Files.exists(path)) {
            if (o.directory() && !Files.isDirectory(path)) {
                throw new UsageException(o.option() + " " + o.path() + ": exists and is not a directory");
            }
            if (!o.directory() && !Files.isRegularFile(path)) {
                throw new UsageException(o.option() + " " + o.path() + ": exists and is not a regular file");
            }
        }
        Path probeIn = o.directory() ? path : path.getParent();
        while (probeIn != null && !Files.exists(probeIn)) {
            probeIn = probeIn.getParent();
        }
        if (probeIn == null || !Files.isDirectory(probeIn)) {
            throw new UsageException(o.option() + " " + o.path() + ": cannot be created, "
                    + (probeIn == null ? "no part of the path exists" : probeIn + " is not a directory"));
        }
        try {
            Files.delete(Files.createTempFile(probeIn, ".betty4j-write-check", ".tmp"));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            throw new UsageException(o.option() + " " + o.path() + ": cannot write in " + probeIn + " ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
    }

    /**
     * When the run starts (after setUp, before the first step): every {@code --set} key must
     * have been read by a problem; a resume says which settings differ from the checkpoint's;
     * a fresh start with --overwrite removes an earlier run's checkpoints, and a fresh start with
     * checkpoints writes the one of step 0, so a program that cannot be checkpointed fails here.
     */
    EngineListener atRunStart(Map<String, String> setOptions, Plan plan, PrintWriter err) {
        return new EngineListener() {
            @Override
            public void onRunStart(Engine engine) {
                checkOptionsRead(engine.program().name(), setOptions, engine.optionsAsked());
                if (plan.resumeFrom() != null) {
                    List<String> changed = engine.settingsChangedOnResume();
                    if (!changed.isEmpty()) {
                        err.println("warning: resuming " + plan.resumeFrom().file() + " with settings that differ from"
                                + " the checkpoint's: " + String.join("; ", changed) + ". This run's settings apply from"
                                + " global step " + (plan.resumedAfter() + 1) + " on; parameters, optimizer state,"
                                + " counters and data position come from the checkpoint.");
                        err.flush();
                    }
                } else if (plan.checkpoints() != null) {
                    if (overwrite) {
                        plan.checkpoints().deleteAll();
                    }
                    // the state before the first step: a program that cannot be checkpointed fails now, not at step N
                    try {
                        engine.checkpoint(plan.checkpoints().fileFor(0));
                    } catch (UnsupportedOperationException e) {
                        throw new UsageException("--checkpoint-dir " + plan.checkpoints().dir() + ": " + e.getMessage());
                    }
                }
            }
        };
    }

    /** Every {@code --set} key must be an option some problem asked for in setUp. */
    static void checkOptionsRead(String program, Map<String, String> setOptions, Set<String> asked) {
        for (Map.Entry<String, String> e : setOptions.entrySet()) {
            String key = e.getKey();
            if (asked.contains(key)) {
                continue;
            }
            Set<String> known = new TreeSet<>(asked);
            known.removeIf(k -> k.endsWith(".lr")); // set by --lr, not --set
            String suggestion = closest(key, known);
            throw new UsageException("--set " + key + "=" + e.getValue() + ": no problem of program " + program
                    + " reads option '" + key + "'" + (suggestion == null ? "" : "; did you mean '" + suggestion + "'?")
                    + (known.isEmpty() ? " (its problems read no --set options)"
                            : " (options its problems read: " + String.join(", ", known) + ")"));
        }
    }

    /** The candidate within a small edit distance of {@code key}, or null. */
    static String closest(String key, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = editDistance(key.toLowerCase(java.util.Locale.ROOT), c.toLowerCase(java.util.Locale.ROOT));
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(2, key.length() / 3) ? best : null;
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }
}
