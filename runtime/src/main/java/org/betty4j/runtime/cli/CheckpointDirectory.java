package org.betty4j.runtime.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.betty4j.runtime.engine.CheckpointException;
import org.betty4j.runtime.engine.CheckpointInfo;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineListener;

/**
 * The checkpoints of one run in a directory: {@code step-NNNNNNNNN.ckpt} after every
 * {@code every} global steps, after the last one and when the run stops early; the newest two
 * are kept, so a checkpoint damaged on disk still leaves one to resume from. Written after
 * the step's lines reached the metrics and CSV files, so those hold every step up to any
 * checkpoint.
 */
final class CheckpointDirectory {

    private static final Pattern NAME = Pattern.compile("step-(\\d{9})\\.ckpt");
    private static final int KEEP = 2;

    private final Path dir;

    CheckpointDirectory(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    Path fileFor(int globalStep) {
        return dir.resolve(String.format(Locale.ROOT, "step-%09d.ckpt", globalStep));
    }

    /** The checkpoints in the directory, newest first. */
    List<Path> checkpoints() {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return found;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "step-*.ckpt")) {
            for (Path f : files) {
                if (NAME.matcher(f.getFileName().toString()).matches()) {
                    found.add(f);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoint directory " + dir + ": " + e.getMessage(), e);
        }
        found.sort(Comparator.comparingInt(CheckpointDirectory::stepOf).reversed());
        return found;
    }

    private static int stepOf(Path file) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    /**
     * The newest checkpoint that verifies. A damaged newer one is reported on {@code err},
     * renamed to {@code *.damaged} (kept for inspection, never resumed from again) and the
     * previous one is tried.
     *
     * @throws UsageException when the directory holds no checkpoint, or one of another program
     * @throws IllegalStateException when every checkpoint is damaged
     */
    CheckpointInfo latestValid(String programName, PrintWriter err) {
        List<Path> files = checkpoints();
        if (files.isEmpty()) {
            throw new UsageException("--resume: " + dir + " holds no checkpoint (step-*.ckpt); run without --resume"
                    + " to start afresh");
        }
        List<String> damaged = new ArrayList<>();
        for (Path f : files) {
            CheckpointInfo info;
            try {
                info = CheckpointInfo.read(f);
            } catch (CheckpointException e) {
                if (!e.damaged()) {
                    throw new UsageException("--resume: " + e.getMessage());
                }
                damaged.add(e.getMessage());
                Path aside = f.resolveSibling(f.getFileName() + ".damaged");
                try {
                    Files.move(f, aside, StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException moveFailed) {
                    throw new UncheckedIOException("cannot rename damaged checkpoint " + f + ": "
                            + moveFailed.getMessage(), moveFailed);
                }
                err.println("warning: " + e.getMessage().replaceFirst("; do not resume from it.*", "")
                        + "; renamed it to " + aside.getFileName() + " and falling back to the previous checkpoint");
                err.flush();
                continue;
            } catch (IOException e) {
                throw new UncheckedIOException("--resume: cannot read checkpoint " + f + ": " + e.getMessage(), e);
            }
            if (!info.program().equals(programName)) {
                throw new UsageException("--resume: " + f + " is a checkpoint of program " + info.program() + ", not "
                        + programName + "; point --checkpoint-dir at this program's checkpoints");
            }
            return info;
        }
        throw new IllegalStateException("--resume: every checkpoint in " + dir + " is damaged (" + damaged.size()
                + "): " + String.join(" | ", damaged));
    }

    /** Deletes the checkpoints of an earlier run (a fresh start with --overwrite). */
    void deleteAll() {
        for (Path f : checkpoints()) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete old checkpoint " + f + ": " + e.getMessage(), e);
            }
        }
    }

    /** Writes a checkpoint after every {@code every}-th global step, the last one and an early stop. */
    EngineListener writer(int every, int iterations) {
        return new EngineListener() {
            private int lastWritten = -1;

            @Override
            public void onGlobalStep(Engine engine, int globalStep) {
                if (globalStep % every == 0 || globalStep == iterations) {
                    write(engine, globalStep);
                }
            }

            @Override
            public void onRunEnd(Engine engine) {
                if (engine.globalStep() > 0 && lastWritten != engine.globalStep()) {
                    write(engine, engine.globalStep());
                }
            }

            private void write(Engine engine, int globalStep) {
                engine.checkpoint(fileFor(globalStep));
                lastWritten = globalStep;
                List<Path> all = checkpoints();
                for (Path old : all.subList(Math.min(KEEP, all.size()), all.size())) {
                    try {
                        Files.deleteIfExists(old);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot delete old checkpoint " + old + ": " + e.getMessage(), e);
                    }
                }
            }
        };
    }
}
