package org.betty4j.runtime.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
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
 * Metric names are sorted; a non-finite value is written as {@code null}. Lines are flushed
 * as they are written, so a crashed run keeps everything up to its last step.
 */
public final class MetricsFile implements EngineListener, ValidationListener, AutoCloseable {

    private final Path file;
    private final Writer writer;

    public MetricsFile(Path file) {
        this.file = file;
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the metrics file " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void onProblemStep(ProblemNode problem, int localStep, int globalStep, double loss, Cost cost) {
        write("{\"type\":\"step\",\"global_step\":" + globalStep + ",\"problem\":" + Json.string(problem.name())
                + ",\"local_step\":" + localStep + ",\"loss\":" + Json.number(loss) + ",\"metrics\":"
                + object(cost.metrics()) + "}\n");
    }

    @Override
    public void onValidation(int globalStep, String problem, Map<String, Double> metrics) {
        write("{\"type\":\"validation\",\"global_step\":" + globalStep + ",\"problem\":" + Json.string(problem)
                + ",\"metrics\":" + object(metrics) + "}\n");
    }

    private static String object(Map<String, Double> metrics) {
        StringBuilder s = new StringBuilder("{");
        new TreeMap<>(metrics).forEach((name, value) -> {
            if (s.length() > 1) {
                s.append(',');
            }
            s.append(Json.string(name)).append(':').append(Json.number(value));
        });
        return s.append('}').toString();
    }

    private void write(String line) {
        try {
            writer.write(line);
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the metrics file " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            writer.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close the metrics file " + file + ": " + e.getMessage(), e);
        }
    }
}
