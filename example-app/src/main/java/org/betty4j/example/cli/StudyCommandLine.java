package org.betty4j.example.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.betty4j.runtime.cli.ProgramMain;
import picocli.CommandLine;

/**
 * The command-line conventions every example study shares with the generated mains: a bad
 * option or value is one line naming it (with a suggestion for a misspelt option), exit code 2,
 * before any data is read or any training is done; a run that fails is one line, exit code 1;
 * every output directory is checked writable before the first step.
 */
public final class StudyCommandLine {

    /** A bad option value found by a study's own checks: reported like a picocli parse error. */
    public static final class BadOption extends RuntimeException {
        public BadOption(String message) {
            super(message);
        }
    }

    private StudyCommandLine() {}

    /** Parses {@code args} into {@code command} and runs it; returns the exit code. */
    public static int execute(Object command, String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(command);
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((e, badArgs) -> badOption(err, e.getMessage(), e));
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            if (e instanceof BadOption || e instanceof CommandLine.ParameterException) {
                return badOption(err, e.getMessage(), null);
            }
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            err.println("error: " + message);
            err.flush();
            return ProgramMain.RUN_FAILED;
        });
        return cli.execute(args);
    }

    private static int badOption(PrintWriter err, String message, CommandLine.ParameterException e) {
        err.println("error: " + message);
        if (e != null) {
            CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        }
        err.println("Try --help for the options.");
        err.flush();
        return ProgramMain.BAD_OPTIONS;
    }

    /**
     * Creates {@code dir} if needed and writes and deletes a probe file in it, so that a study
     * that cannot write its results stops before training, not after; null means no output.
     *
     * @throws BadOption naming {@code option} and the directory
     */
    public static void requireWritableDirectory(String option, Path dir) {
        if (dir == null) {
            return;
        }
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".write-check", ".tmp");
            Files.delete(probe);
        } catch (IOException | UncheckedIOException | SecurityException e) {
            throw new BadOption(option + " " + dir + ": cannot write there (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
    }
}
