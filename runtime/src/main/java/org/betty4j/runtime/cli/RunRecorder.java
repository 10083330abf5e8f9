package org.betty4j.runtime.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineListener;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.internal.LineFile;
import org.betty4j.runtime.problem.Cost;

/**
 * What the command line records during a run: every problem's loss per local step
 * ({@code losses.csv}) and the engine's validations (printed, and {@code validation.csv} when the
 * run validates). Without an output directory only the validation lines are printed.
 *
 * <p>Files are opened when the run starts (after every check), each CSV line is one write
 * ({@link LineFile}); a run resumed after global step S keeps the lines of steps up to S and
 * appends after them.
 */
final class RunRecorder implements EngineListener, AutoCloseable {

    static final String LOSSES = "losses.csv";
    static final String VALIDATION = "validation.csv";
    static final String GRAPH_TEXT = "graph.txt";
    static final String GRAPH_DOT = "graph.dot";
    private static final String LOSSES_HEADER = "problem,local_step,global_step,loss";
    private static final String VALIDATION_HEADER = "global_step,problem,metric,value";
    private static final CsvMapper CSV = new CsvMapper();

    private final Program program;
    private final PrintWriter out;
    private final int validateEvery;
    private final Path outputDir;
    /** Global step a resumed run continues after; -1 for a new run. */
    private final int resumedAfter;
    private LineFile losses;
    private LineFile validation;

    RunRecorder(Program program, int validateEvery, Path outputDir, int resumedAfter, PrintWriter out) {
        this.program = program;
        this.out = out;
        this.validateEvery = validateEvery;
        this.outputDir = outputDir;
        this.resumedAfter = resumedAfter;
    }

    /** The files this recorder writes into {@code outputDir}. */
    static List<String> outputs(int validateEvery) {
        return validateEvery > 0 ? List.of(GRAPH_TEXT, GRAPH_DOT, LOSSES, VALIDATION)
                : List.of(GRAPH_TEXT, GRAPH_DOT, LOSSES);
    }

    @Override
    public void onRunStart(Engine engine) {
        if (outputDir == null) {
            return;
        }
        try {
            Files.createDirectories(outputDir);
            Files.writeString(outputDir.resolve(GRAPH_TEXT), ProgramDescription.text(program), StandardCharsets.UTF_8);
            Files.writeString(outputDir.resolve(GRAPH_DOT), ProgramDescription.dot(program), StandardCharsets.UTF_8);
            losses = open(outputDir.resolve(LOSSES), LOSSES_HEADER, 2);
            validation = validateEvery > 0 ? open(outputDir.resolve(VALIDATION), VALIDATION_HEADER, 0) : null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to output directory " + outputDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether the validation of {@code globalStep} happened before its checkpoint: periodic ones
     * do (a step's lines come before its checkpoint), the end-of-run one comes after the last.
     */
    static boolean validatedAtCheckpoint(int validateEvery, int globalStep) {
        return validateEvery > 0 && globalStep % validateEvery == 0;
    }

    /** A new file with its header, or a resumed one cut back to the resumed step. */
    private LineFile open(Path file, String header, int stepColumn) throws IOException {
        LineFile lines;
        if (resumedAfter < 0) {
            lines = LineFile.create(file);
        } else {
            // a validation at the checkpoint's own step that is not a periodic one is the end-of-run
            // validation, written after the last checkpoint: the resumed run writes it again
            boolean keepAtCheckpoint = !header.equals(VALIDATION_HEADER) || validatedAtCheckpoint(validateEvery, resumedAfter);
            LineFile.Resumed r = LineFile.resume(file, line -> line.equals(header) || stepOf(line, stepColumn) < resumedAfter
                    || stepOf(line, stepColumn) == resumedAfter && keepAtCheckpoint);
            lines = r.file();
            if (r.dropped() > 0) {
                out.println(file + ": dropped " + r.dropped() + " line(s) written after global step " + resumedAfter
                        + " (the resumed checkpoint) or torn by the interruption");
            }
        }
        if (lines.isEmpty()) {
            lines.append(header);
        }
        return lines;
    }

    /** The global step in column {@code column} of a CSV line; {@code Integer.MAX_VALUE} when it has none. */
    static int stepOf(String line, int column) {
        try (MappingIterator<String[]> rows = CSV.readerForArrayOf(String.class)
                .with(CsvParser.Feature.WRAP_AS_ARRAY).readValues(line)) {
            String[] row = rows.hasNext() ? rows.next() : new String[0];
            return row.length > column ? Integer.parseInt(row[column].trim()) : Integer.MAX_VALUE;
        } catch (IOException | RuntimeException e) {
            return Integer.MAX_VALUE;
        }
    }

    @Override
    public void onProblemStep(ProblemNode problem, int localStep, int globalStep, double loss, Cost cost) {
        if (losses != null) {
            losses.append(row(problem.name(), localStep, globalStep, format(loss)));
        }
    }

    @Override
    public void onValidation(int globalStep, String problem, Map<String, Double> metrics) {
        StringBuilder line = new StringBuilder("validation at step ").append(globalStep).append(", ").append(problem)
                .append(':');
        metrics.forEach((metric, value) -> {
            line.append(' ').append(metric).append('=').append(format(value));
            if (validation != null) {
                validation.append(row(globalStep, problem, metric, format(value)));
            }
        });
        out.println(line);
        out.flush();
    }

    private static String row(Object... values) {
        try {
            return CSV.writeValueAsString(values).stripTrailing();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a CSV line: " + e.getMessage(), e);
        }
    }

    private static String format(double value) {
        return String.format(Locale.ROOT, "%.6g", value);
    }

    @Override
    public void close() {
        List<LineFile> open = new ArrayList<>();
        if (losses != null) {
            open.add(losses);
        }
        if (validation != null) {
            open.add(validation);
        }
        open.forEach(LineFile::close);
    }
}
