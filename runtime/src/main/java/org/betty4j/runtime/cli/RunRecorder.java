package org.betty4j.runtime.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineListener;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.metrics.ValidationListener;
import org.betty4j.runtime.problem.Cost;

/**
 * What the command line records during a run: every problem's loss per local step
 * ({@code losses.csv}) and, every {@code validateEvery} global steps and at the end, the
 * metrics of problems that implement {@link Validating} (printed, and {@code validation.csv}).
 * Without an output directory only the validation lines are printed. Validation metrics also
 * go to the given {@link ValidationListener}s (metrics file, early stopping).
 */
final class RunRecorder implements EngineListener, AutoCloseable {

    private final PrintWriter out;
    private final int validateEvery;
    private final Map<String, Validating> validating;
    private final Writer losses;
    private final Writer validation;
    private final List<ValidationListener> validationListeners;
    private int lastValidated = -1;

    RunRecorder(Program program, Map<String, Validating> validating, int validateEvery, Path outputDir, PrintWriter out,
            List<ValidationListener> validationListeners) {
        this.out = out;
        this.validationListeners = List.copyOf(validationListeners);
        this.validateEvery = validateEvery;
        this.validating = validating;
        try {
            if (outputDir != null) {
                Files.createDirectories(outputDir);
                Files.writeString(outputDir.resolve("graph.txt"), ProgramDescription.text(program), StandardCharsets.UTF_8);
                Files.writeString(outputDir.resolve("graph.dot"), ProgramDescription.dot(program), StandardCharsets.UTF_8);
                losses = Files.newBufferedWriter(outputDir.resolve("losses.csv"), StandardCharsets.UTF_8);
                losses.write("problem,local_step,global_step,loss\n");
                validation = validateEvery > 0
                        ? Files.newBufferedWriter(outputDir.resolve("validation.csv"), StandardCharsets.UTF_8) : null;
                if (validation != null) {
                    validation.write("global_step,problem,metric,value\n");
                }
            } else {
                losses = null;
                validation = null;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to output directory " + outputDir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void onProblemStep(ProblemNode problem, int localStep, int globalStep, double loss, Cost cost) {
        if (losses != null) {
            write(losses, problem.name() + "," + localStep + "," + globalStep + "," + format(loss) + "\n");
        }
    }

    @Override
    public void onGlobalStep(Engine engine, int globalStep) {
        if (validateEvery > 0 && globalStep % validateEvery == 0) {
            validate(globalStep);
        }
    }

    @Override
    public void onRunEnd(Engine engine) {
        if (validateEvery > 0 && lastValidated != engine.globalStep()) {
            validate(engine.globalStep());
        }
    }

    private void validate(int globalStep) {
        lastValidated = globalStep;
        validating.forEach((name, problem) -> {
            Map<String, Double> metrics = new java.util.TreeMap<>(problem.validate());
            StringBuilder line = new StringBuilder("validation at step ").append(globalStep).append(", ").append(name).append(':');
            metrics.forEach((metric, value) -> {
                line.append(' ').append(metric).append('=').append(format(value));
                if (validation != null) {
                    write(validation, globalStep + "," + name + "," + metric + "," + format(value) + "\n");
                }
            });
            out.println(line);
            validationListeners.forEach(l -> l.onValidation(globalStep, name, metrics));
        });
        out.flush();
    }

    private static String format(double value) {
        return String.format(Locale.ROOT, "%.6g", value);
    }

    private static void write(Writer writer, String text) {
        try {
            writer.write(text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write run output: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            if (losses != null) {
                losses.close();
            }
            if (validation != null) {
                validation.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close run output: " + e.getMessage(), e);
        }
    }
}
