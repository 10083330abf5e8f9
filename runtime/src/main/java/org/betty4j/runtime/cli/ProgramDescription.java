package org.betty4j.runtime.cli;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Set;
import java.util.TreeSet;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;

/** The dataflow graph of a program as readable text ({@code --graph}, {@code --help}) or Graphviz DOT. */
final class ProgramDescription {

    private ProgramDescription() {}

    /** Problems that some upper problem differentiates through (inside a path): their method matters. */
    static Set<String> differentiatedThrough(Program program) {
        return program.differentiatedThrough();
    }

    static String method(Program program, ProblemNode p) {
        return differentiatedThrough(program).contains(p.name()) ? p.hypergrad().toString()
                : "- (on no path)";
    }

    /** Problems, levels, edges, leaves and path counts; no path list. */
    static String text(Program program) {
        return text(program, 0);
    }

    /**
     * Problems, levels, edges, leaves and path counts, and for each upper problem its first
     * {@code maxPaths} backpropagation paths in order (0: none), with how many were left out.
     */
    static String text(Program program, int maxPaths) {
        StringBuilder s = new StringBuilder("program ").append(program.name()).append('\n');
        s.append("problems, in execution order:\n");
        int width = program.problems().stream().mapToInt(p -> p.name().length()).max().orElse(0);
        for (ProblemNode p : program.problems()) {
            s.append(String.format("  %-" + width + "s  level %d  unroll %d  hypergrad %s%n",
                    p.name(), p.level(), p.unrollSteps(), method(program, p)));
            // a second line, so the help footer stays within its width
            s.append(String.format("  %-" + width + "s  warmup %d  accumulate %d  clip %s%n", "", p.warmupSteps(),
                    p.gradientAccumulation(), p.clipGradNorm() == 0 ? "off" : Double.toString(p.clipGradNorm())));
        }
        s.append("upper-to-lower edges (U -> L: L's cost uses U's current parameters):\n");
        appendEdges(s, program.upperToLower());
        s.append("lower-to-upper edges (L -> U: U's cost uses L's optimum):\n");
        appendEdges(s, program.lowerToUpper());
        s.append("leaves (stepped every global step): ").append(String.join(", ", program.leaves())).append('\n');
        s.append("levels:\n");
        Map<Integer, List<String>> byLevel = new TreeMap<>();
        program.problems().forEach(p -> byLevel.computeIfAbsent(p.level(), k -> new ArrayList<>()).add(p.name()));
        byLevel.forEach((level, names) -> s.append("  ").append(level).append(": ").append(String.join(", ", names))
                .append('\n'));
        s.append("backpropagation paths [U, ..., L, U] per upper problem")
                .append(maxPaths > 0 ? ", at most " + maxPaths + " listed each" : " (--graph --paths N lists them)")
                .append(":\n");
        boolean any = false;
        for (ProblemNode p : program.problems()) {
            BigInteger count = program.pathCount(p.name());
            if (count.signum() == 0) {
                continue;
            }
            any = true;
            s.append(String.format("  %-" + width + "s  %s path%s%n", p.name(), count, count.equals(BigInteger.ONE) ? "" : "s"));
            if (maxPaths > 0) {
                List<List<String>> listed = program.pathsOf(p.name(), maxPaths);
                listed.forEach(path -> s.append("    ").append(String.join(" -> ", path)).append('\n'));
                BigInteger left = count.subtract(BigInteger.valueOf(listed.size()));
                if (left.signum() > 0) {
                    s.append("    ... and ").append(left).append(" more\n");
                }
            }
        }
        if (!any) {
            s.append("  (none)\n");
        }
        return s.toString();
    }

    private static void appendEdges(StringBuilder s, List<Program.Edge> edges) {
        if (edges.isEmpty()) {
            s.append("  (none)\n");
        }
        edges.forEach(e -> s.append("  ").append(e).append('\n'));
    }

    /** Graphviz DOT: levels bottom to top, lower-to-upper edges solid, upper-to-lower dashed. */
    static String dot(Program program) {
        StringBuilder s = new StringBuilder("digraph ").append(quote(program.name())).append(" {\n");
        s.append("  rankdir=BT;\n  node [shape=box];\n");
        Set<Integer> levels = new TreeSet<>();
        program.problems().forEach(p -> levels.add(p.level()));
        for (int level : levels) {
            s.append("  { rank=same;");
            for (ProblemNode p : program.problems()) {
                if (p.level() == level) {
                    s.append(' ').append(quote(p.name())).append(" [label=")
                            .append(quote(p.name() + "\\nlevel " + p.level() + ", unroll " + p.unrollSteps()))
                            .append("];");
                }
            }
            s.append(" }\n");
        }
        for (Program.Edge e : program.lowerToUpper()) {
            s.append("  ").append(quote(e.from())).append(" -> ").append(quote(e.to()))
                    .append(" [label=\"optimum\"];\n");
        }
        for (Program.Edge e : program.upperToLower()) {
            s.append("  ").append(quote(e.from())).append(" -> ").append(quote(e.to()))
                    .append(" [style=dashed, label=\"parameters\"];\n");
        }
        return s.append("}\n").toString();
    }

    private static String quote(String text) {
        return '"' + text.replace("\"", "\\\"") + '"';
    }
}
