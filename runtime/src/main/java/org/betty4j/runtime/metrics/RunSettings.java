package org.betty4j.runtime.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.ProblemNode;

/** The settings of a run, as the MLflow parameters and the report's settings table show them. */
final class RunSettings {

    private RunSettings() {}

    /** The engine's settings, then every problem's, then the program options ({@code option.<key>}). */
    static Map<String, String> of(Engine engine) {
        Map<String, String> p = new LinkedHashMap<>();
        EngineConfig config = engine.config();
        p.put("program", engine.program().name());
        p.put("iterations", Integer.toString(config.iterations()));
        p.put("seed", Long.toString(config.seed()));
        p.put("device", engine.device().toString());
        p.put("data_type", config.dataType().name());
        p.put("compute_type", config.computeType().name());
        for (ProblemNode problem : engine.program().problems()) {
            String prefix = problem.name() + ".";
            p.put(prefix + "level", Integer.toString(problem.level()));
            p.put(prefix + "unroll_steps", Integer.toString(problem.unrollSteps()));
            p.put(prefix + "hypergrad", problem.hypergrad().toString());
            p.put(prefix + "warmup_steps", Integer.toString(problem.warmupSteps()));
            p.put(prefix + "gradient_accumulation", Integer.toString(problem.gradientAccumulation()));
            p.put(prefix + "clip_grad_norm", Double.toString(problem.clipGradNorm()));
        }
        config.options().forEach((k, v) -> p.put("option." + k, v));
        return p;
    }
}
