package org.betty4j.runtime.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.Program;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The command line behind every generated {@code main}: parses run options, builds the
 * program and runs it. Errors in the options give a message and exit code 2, never a stack
 * trace.
 */
public final class ProgramMain {

    private ProgramMain() {}

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
        Runner runner = new Runner(programFactory, out);
        CommandLine cli = new CommandLine(runner);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            err.println("error: " + ex.getMessage());
            return 1;
        });
        cli.setParameterExceptionHandler((ex, args1) -> {
            err.println("error: " + ex.getMessage());
            err.println("Try --help for the options.");
            return 2;
        });
        return cli.execute(args);
    }

    @Command(name = "program", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Runs a Betty for Java multilevel program.")
    static final class Runner implements Callable<Integer> {
        private final Supplier<Program> programFactory;
        private final PrintWriter out;

        @Option(names = "--iterations", paramLabel = "N", description = "Global steps (default: ${DEFAULT-VALUE}).")
        int iterations = 1000;

        @Option(names = "--seed", description = "Run seed (default: ${DEFAULT-VALUE}).")
        long seed = 42;

        @Option(names = "--log-every", paramLabel = "N", description = "Log losses every N local steps (default: ${DEFAULT-VALUE}; 0: never).")
        int logEvery = 100;

        @Option(names = "--graph", description = "Print the program's dataflow graph and paths, then exit.")
        boolean graph;

        @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A program option handed to every problem (repeatable).")
        Map<String, String> options = new LinkedHashMap<>();

        Runner(Supplier<Program> programFactory, PrintWriter out) {
            this.programFactory = programFactory;
            this.out = out;
        }

        @Override
        public Integer call() {
            Program program = programFactory.get();
            if (graph) {
                out.print(program.describe());
                out.flush();
                return 0;
            }
            EngineConfig config = EngineConfig.builder()
                    .optIterations(iterations)
                    .optSeed(seed)
                    .optLogEvery(logEvery)
                    .optProgressBar(true)
                    .optOptions(options)
                    .build();
            try (Engine engine = new Engine(program, config)) {
                engine.run();
            }
            return 0;
        }
    }
}
