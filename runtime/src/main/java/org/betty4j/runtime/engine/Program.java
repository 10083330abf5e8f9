package org.betty4j.runtime.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A multilevel program: problems, the two kinds of edges, and every backpropagation path.
 * The annotation processor computes all of it at compile time and the generated wiring
 * builds it from literals; {@link Builder#build()} re-checks that the literals are
 * consistent (a hand-built program gets the same checks).
 *
 * <p>A path reads {@code [U, x1, ..., L, U]}: the upper problem {@code U} whose cost uses the
 * optimum of {@code x1}, the lower-to-upper chain down to {@code L}, and {@code U} again,
 * whose parameters {@code L}'s cost uses (the upper-to-lower edge {@code U -> L}).
 */
public final class Program {

    /** A directed edge between two problems, by name. */
    public record Edge(String from, String to) {
        @Override
        public String toString() {
            return from + " -> " + to;
        }
    }

    private final String name;
    private final List<ProblemNode> problems;
    private final Map<String, ProblemNode> byName;
    private final List<Edge> upperToLower;
    private final List<Edge> lowerToUpper;
    private final Map<String, List<List<String>>> pathsByUpper;
    private final List<String> leaves;

    private Program(Builder b) {
        this.name = b.name;
        this.problems = List.copyOf(b.problems.values());
        this.byName = Collections.unmodifiableMap(new LinkedHashMap<>(b.problems));
        this.upperToLower = List.copyOf(b.upperToLower);
        this.lowerToUpper = List.copyOf(b.lowerToUpper);
        Map<String, List<List<String>>> paths = new LinkedHashMap<>();
        for (List<String> path : b.paths) {
            paths.computeIfAbsent(path.get(0), k -> new ArrayList<>()).add(List.copyOf(path));
        }
        paths.replaceAll((k, v) -> List.copyOf(v));
        this.pathsByUpper = Collections.unmodifiableMap(paths);
        List<String> leafNames = new ArrayList<>();
        for (ProblemNode p : problems) {
            if (lowersOf(p.name()).isEmpty()) {
                leafNames.add(p.name());
            }
        }
        this.leaves = List.copyOf(leafNames);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** A builder holding this program, e.g. to {@link Builder#replace replace} a problem's settings. */
    public Builder toBuilder() {
        Builder b = new Builder(name);
        problems.forEach(b::problem);
        upperToLower.forEach(e -> b.upperToLower(e.from(), e.to()));
        lowerToUpper.forEach(e -> b.lowerToUpper(e.from(), e.to()));
        pathsByUpper.values().forEach(ps -> ps.forEach(p -> b.path(p.toArray(String[]::new))));
        return b;
    }

    public String name() {
        return name;
    }

    /** Problems in execution order (lowest level first). */
    public List<ProblemNode> problems() {
        return problems;
    }

    public ProblemNode problem(String problemName) {
        ProblemNode p = byName.get(problemName);
        if (p == null) {
            throw new IllegalArgumentException("program " + name + " has no problem named '" + problemName
                    + "'; its problems are " + byName.keySet());
        }
        return p;
    }

    public List<Edge> upperToLower() {
        return upperToLower;
    }

    public List<Edge> lowerToUpper() {
        return lowerToUpper;
    }

    /** Problems whose optimum {@code problemName}'s cost uses (they signal it). */
    public List<String> lowersOf(String problemName) {
        List<String> out = new ArrayList<>();
        for (Edge e : lowerToUpper) {
            if (e.to().equals(problemName)) {
                out.add(e.from());
            }
        }
        return out;
    }

    /** Problems that use {@code problemName}'s optimum (it signals them after unrolling). */
    public List<String> uppersUsingOptimumOf(String problemName) {
        List<String> out = new ArrayList<>();
        for (Edge e : lowerToUpper) {
            if (e.from().equals(problemName)) {
                out.add(e.to());
            }
        }
        return out;
    }

    /** The backpropagation paths of {@code upper}'s hypergradient; empty when it has none. */
    public List<List<String>> pathsOf(String upper) {
        return pathsByUpper.getOrDefault(upper, List.of());
    }

    /** Problems with no lower problem: each global step steps every leaf once. */
    public List<String> leaves() {
        return leaves;
    }

    /** A short multi-line description: problems, edges, paths. */
    public String describe() {
        StringBuilder s = new StringBuilder("program ").append(name).append('\n');
        for (ProblemNode p : problems) {
            s.append("  ").append(p.name()).append(": level ").append(p.level())
                    .append(", unroll ").append(p.unrollSteps())
                    .append(", hypergrad ").append(p.hypergrad()).append('\n');
        }
        s.append("  upper-to-lower: ").append(upperToLower).append('\n');
        s.append("  lower-to-upper: ").append(lowerToUpper).append('\n');
        s.append("  leaves: ").append(leaves).append('\n');
        pathsByUpper.forEach((u, ps) -> ps.forEach(p -> s.append("  path of ").append(u).append(": ")
                .append(String.join(" -> ", p)).append('\n')));
        return s.toString();
    }

    public static final class Builder {
        private final String name;
        private final Map<String, ProblemNode> problems = new LinkedHashMap<>();
        private final Set<Edge> upperToLower = new LinkedHashSet<>();
        private final Set<Edge> lowerToUpper = new LinkedHashSet<>();
        private final List<List<String>> paths = new ArrayList<>();

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        /** Adds a problem; add them in execution order. */
        public Builder problem(ProblemNode problem) {
            if (problems.putIfAbsent(problem.name(), problem) != null) {
                throw new IllegalArgumentException("program " + name + ": duplicate problem name " + problem.name());
            }
            return this;
        }

        /** Replaces the problem of the same name (same place in the execution order). */
        public Builder replace(ProblemNode problem) {
            if (!problems.containsKey(problem.name())) {
                throw new IllegalArgumentException("program " + name + " has no problem named '" + problem.name()
                        + "' to replace; its problems are " + problems.keySet());
            }
            problems.put(problem.name(), problem);
            return this;
        }

        /** {@code lower}'s cost uses {@code upper}'s current parameters. */
        public Builder upperToLower(String upper, String lower) {
            upperToLower.add(new Edge(upper, lower));
            return this;
        }

        /** {@code upper}'s cost uses {@code lower}'s optimal parameters. */
        public Builder lowerToUpper(String lower, String upper) {
            lowerToUpper.add(new Edge(lower, upper));
            return this;
        }

        /** A backpropagation path {@code [U, x1, ..., L, U]}. */
        public Builder path(String... problemNames) {
            paths.add(List.of(problemNames));
            return this;
        }

        public Program build() {
            for (Edge e : upperToLower) {
                checkEdge(e, "upper-to-lower", true);
            }
            for (Edge e : lowerToUpper) {
                checkEdge(e, "lower-to-upper", false);
            }
            for (List<String> path : paths) {
                checkPath(path);
            }
            return new Program(this);
        }

        private void checkEdge(Edge e, String kind, boolean fromIsUpper) {
            ProblemNode from = known(e.from(), kind + " edge " + e);
            ProblemNode to = known(e.to(), kind + " edge " + e);
            boolean ok = fromIsUpper ? from.level() > to.level() : from.level() < to.level();
            if (!ok) {
                throw new IllegalArgumentException("program " + name + ": " + kind + " edge " + e
                        + " goes the wrong way in levels (" + from + ", " + to + ")");
            }
        }

        private void checkPath(List<String> path) {
            String where = "path " + String.join(" -> ", path);
            if (path.size() < 3 || !path.get(0).equals(path.get(path.size() - 1))) {
                throw new IllegalArgumentException("program " + name + ": " + where
                        + " must read [U, x1, ..., L, U] with at least three entries");
            }
            for (String p : path) {
                known(p, where);
            }
            for (int i = 1; i < path.size() - 1; i++) {
                Edge e = new Edge(path.get(i), path.get(i - 1));
                if (!lowerToUpper.contains(e)) {
                    throw new IllegalArgumentException("program " + name + ": " + where
                            + " uses lower-to-upper edge " + e + ", which the program does not have");
                }
            }
            Edge last = new Edge(path.get(0), path.get(path.size() - 2));
            if (!upperToLower.contains(last)) {
                throw new IllegalArgumentException("program " + name + ": " + where
                        + " ends with upper-to-lower edge " + last + ", which the program does not have");
            }
        }

        private ProblemNode known(String problemName, String where) {
            ProblemNode p = problems.get(problemName);
            if (p == null) {
                throw new IllegalArgumentException("program " + name + ": " + where
                        + " names unknown problem '" + problemName + "'");
            }
            return p;
        }
    }
}
