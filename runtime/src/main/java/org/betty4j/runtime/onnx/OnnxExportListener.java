package org.betty4j.runtime.onnx;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineListener;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;

/**
 * Writes every {@link OnnxExportable} problem's trained network to {@code <dir>/<problem>.onnx}
 * when the run ends, while its parameters are still alive. Behind {@code --export-onnx DIR}.
 */
public final class OnnxExportListener implements EngineListener {

    private final Path dir;
    private final PrintWriter out;
    private final Map<String, Path> exported = new LinkedHashMap<>();

    public OnnxExportListener(Path dir, PrintWriter out) {
        this.dir = Objects.requireNonNull(dir, "dir");
        this.out = Objects.requireNonNull(out, "out");
    }

    /** True when at least one problem of {@code program} implements {@link OnnxExportable}. */
    public static boolean anyExportable(Program program) {
        return program.problems().stream().anyMatch(p -> p.trainable() instanceof OnnxExportable);
    }

    @Override
    public void onRunEnd(Engine engine) {
        for (ProblemNode problem : engine.program().problems()) {
            if (problem.trainable() instanceof OnnxExportable exportable) {
                Path file = OnnxExporter.export(exportable.exportBlock(), exportable.exportInputShape(),
                        dir.resolve(problem.name() + ".onnx"));
                exported.put(problem.name(), file);
                out.println("exported " + problem.name() + " to " + file);
            }
        }
        out.flush();
    }

    /** Problem name to written file, in execution order (empty before the run ends). */
    public Map<String, Path> exported() {
        return Collections.unmodifiableMap(exported);
    }
}
