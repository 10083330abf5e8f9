package org.betty4j.runtime.cli;

import java.io.PrintWriter;
import java.util.function.Supplier;
import org.betty4j.runtime.engine.Program;
import picocli.CommandLine;

/**
 * The command line behind every generated {@code main}: parses run options, builds the
 * program, applies per-problem overrides and runs it. {@code --help} describes the program
 * itself (problems, levels, edges, paths, methods); {@code --graph} prints its dataflow graph
 * as text or Graphviz DOT.
 *
 * <p>Exit codes: 0 success, 1 the run failed, 2 bad options. Bad options and failed runs give
 * a one-line message, never a stack trace.
 */
public final class ProgramMain {

    /** Exit code for a successful run (or {@code --help}, {@code --graph}). */
    public static final int OK = 0;
    /** Exit code when the program could not be built or the run failed. */
    public static final int RUN_FAILED = 1;
    /** Exit code for unknown, malformed or meaningless options. */
    public static final int BAD_OPTIONS = 2;

    private ProgramMain() {}

    /**
     * The program option through which {@code --lr <problem>=<rate>} reaches the problem's
     * {@code setUp}: {@code context.option(ProgramMain.learningRateKey(context.problemName()))}.
     */
    public static String learningRateKey(String problem) {
        return org.betty4j.runtime.problem.ProblemContext.learningRateKey(problem);
    }

    /**
     * Runs the program described by {@code programFactory} with {@code args}.
     *
     * @return the process exit code: 0 on success, 1 when the run failed, 2 for bad options
     */
    public static int run(Supplier<Program> programFactory, String[] args) {
        return run(programFactory, args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    }

    /** As {@link #run(Supplier, String[])}, writing to the given streams. */
    public static int run(Supplier<Program> programFactory, String[] args, PrintWriter out, PrintWriter err) {
        quietDjlGpuProbe();
        Program described;
        try {
            described = programFactory.get();
        } catch (RuntimeException e) {
            err.println("error: cannot build the program: " + messageOf(e));
            err.flush();
            return RUN_FAILED;
        }
        CommandLine cli = new CommandLine(new RunCommand(programFactory, out).err(err));
        cli.setCommandName(described.name());
        cli.setUsageHelpWidth(100);
        cli.getCommandSpec().usageMessage().footer("%n" + ProgramDescription.text(described).replace("%", "%%"));
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            err.println("error: " + messageOf(ex));
            if (ex instanceof UsageException) {
                err.println("Try --help for the options.");
                err.flush();
                return BAD_OPTIONS;
            }
            err.flush();
            return RUN_FAILED;
        });
        cli.setParameterExceptionHandler((ex, badArgs) -> {
            err.println("error: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("Try --help for the options.");
            err.flush();
            return BAD_OPTIONS;
        });
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /**
     * DJL probes for CUDA twice while its PyTorch engine loads (platform detection, then the
     * libtorch loader), and where a CUDA runtime is installed without a usable driver each probe
     * logs the same warning. A CPU run does not need it, and {@code --device gpu} fails with its
     * own message naming what is missing, so the generated main turns that logger down to
     * errors for SLF4J's simple binding (other bindings: set logger
     * {@code ai.djl.util.cuda.CudaUtils} to ERROR in their configuration). A level the user set
     * is kept.
     */
    static void quietDjlGpuProbe() {
        String key = "org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils";
        if (System.getProperty(key) == null) {
            System.setProperty(key, "error");
        }
    }

    /** A one-line description of a failure, with its cause when that says more. */
    static String messageOf(Throwable t) {
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        Throwable cause = t.getCause();
        if (cause != null && cause.getMessage() != null && !message.contains(cause.getMessage())) {
            message += " (" + cause.getMessage() + ")";
        }
        return message;
    }
}
