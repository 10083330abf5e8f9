package org.betty4j.runtime.metrics;

import org.betty4j.runtime.internal.LineFile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineListener;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.problem.Cost;

/**
 * Writes a run's metrics as JSON lines, one object per problem step and per validation:
 *
 * <pre>{@code
 * {"type":"step","global_step":3,"problem":"Classifier","local_step":3,"loss":0.52,"metrics":{"accuracy":0.81}}
 * {"type":"validation","global_step":100,"problem":"Classifier","metrics":{"accuracy":0.9}}
 * }</pre>
 *
 * Numbers are written in full (shortest round-trip decimal, so a value reads back exactly);
 * metric names are sorted; a non-finite value is written as {@code null}. The file is opened
 * when the run starts, and each line is one write ({@link LineFile}), so a killed run keeps
 * every line up to its last step and no torn one. {@link #resumed} continues the file of a run
 * resumed from a checkpoint: lines after the checkpoint's step are dropped first, so every step
 * appears once.
 */
public final class MetricsFile implements EngineListener, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    /** Global step of the checkpoint a resumed run continues from; -1 for a new file. */
    private final int resumedAfter;
    private LineFile lines;
    private int dropped;

    /** A new metrics file, replacing any at {@code file}. */
    public MetricsFile(Path file) {
        this(file, -1, true);
    }

    private MetricsFile(Path file, int resumedAfter, boolean validatedAtCheckpoint) {
        this.file = file;
        this.resumedAfter = resumedAfter;
        this.validatedAtCheckpoint = validatedAtCheckpoint;
    }

    /** Whether validation lines at the checkpoint's own step were written before the checkpoint. */
    private final boolean validatedAtCheckpoint;

    /** The metrics file of a run resumed after {@code globalStep}: keeps its lines up to that step. */
    public static MetricsFile resumed(Path file, int globalStep) {
        return resumed(file, globalStep, true);
    }

    /**
     * As {@link #resumed(Path, int)}; {@code validatedAtCheckpoint} false drops validation lines
     * of {@code globalStep} itself: an end-of-run validation is written after the run's last
     * checkpoint, and the resumed run writes it again when it ends.
     */
    public static MetricsFile resumed(Path file, int globalStep, boolean validatedAtCheckpoint) {
        if (globalStep < 0) {
            throw new IllegalArgumentException("global step must be >= 0, got " + globalStep);
        }
        return new MetricsFile(file, globalStep, validatedAtCheckpoint);
    }

    public Path path() {
        return file;
    }

    /** Lines dropped when a resumed file was opened: written after the checkpoint, or torn. */
    public int droppedOnResume() {
        return dropped;
    }

    @Override
    public void onRunStart(Engine engine) {
        open();
    }

    private LineFile open() {
        if (lines == null) {
            try {
                if (resumedAfter < 0) {
                    lines = LineFile.create(file);
                } else {
                    LineFile.Resumed r = LineFile.resume(file, line -> globalStepOf(line) < resumedAfter
                            || globalStepOf(line) == resumedAfter
                                    && (validatedAtCheckpoint || !line.contains("\"type\":\"validation\"")));
                    lines = r.file();
                    dropped = r.dropped();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the metrics file " + file + ": " + e.getMessage(), e);
            }
        }
        return lines;
    }

    /** The global step of a line, or {@code Integer.MAX_VALUE} when it is not a record of this file. */
    static int globalStepOf(String line) {
        try {
            JsonNode step = JSON.readTree(line).get("global_step");
            return step != null && step.canConvertToInt() ? step.intValue() : Integer.MAX_VALUE;
        } catch (JsonProcessingException e) {
            return Integer.MAX_VALUE;
        }
    }

    @Override
    public void onProblemStep(ProblemNode problem, int localStep, int globalStep, double loss, Cost cost) {
        ObjectNode line = JSON.createObjectNode()
                .put("type", "step")
                .put("global_step", globalStep)
                .put("problem", problem.name())
                .put("local_step", localStep);
        number(line, "loss", loss);
        line.set("metrics", object(cost.metrics()));
        write(line);
    }

    @Override
    public void onValidation(int globalStep, String problem, Map<String, Double> metrics) {
        ObjectNode line = JSON.createObjectNode()
                .put("type", "validation")
                .put("global_step", globalStep)
                .put("problem", problem);
        line.set("metrics", object(metrics));
        write(line);
    }

    private static ObjectNode object(Map<String, Double> metrics) {
        ObjectNode node = JSON.createObjectNode();
        new TreeMap<>(metrics).forEach((name, value) -> number(node, name, value));
        return node;
    }

    /** JSON has no NaN or infinity: those are written as null. */
    private static void number(ObjectNode node, String name, Double value) {
        if (value != null && Double.isFinite(value)) {
            node.put(name, value.doubleValue());
        } else {
            node.putNull(name);
        }
    }

    private void write(ObjectNode line) {
        try {
            open().append(JSON.writeValueAsString(line));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a metrics line for " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (lines != null) {
            lines.close();
        }
    }
}
