package org.betty4j.runtime.engine;

import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A multilevel program: problems and the two kinds of edges. The annotation processor checks
 * the graph at compile time and the generated wiring builds it from tables of problems and
 * edges; {@link Builder#build()} re-checks the edges (a hand-built program gets the same
 * checks).
 *
 * <p>Backpropagation paths are derived from the edges, never stored. A path reads
 * {@code [U, x1, ..., L, U]}: the upper problem {@code U} whose cost uses the optimum of
 * {@code x1}, the lower-to-upper chain down to {@code L}, and {@code U} again, whose
 * parameters {@code L}'s cost uses (the upper-to-lower edge {@code U -> L}). Their number
 * grows exponentially with depth in layered graphs, so {@link #pathCount} counts them
 * (dynamic programming over the edges, exact with {@link BigInteger}), {@link #pathsOf(String,
 * int)} lists a prefix, and {@link #pathsOf(String)} lists them all only up to
 * {@link #MAX_LISTED_PATHS}.
 */
public final class Program {

    /** A directed edge between two problems, by name. */
    public record Edge(String from, String to) {
        @Override
        public String toString() {
            return from + " -> " + to;
        }
    }

    /** The most paths {@link #pathsOf(String)} lists; past it, it throws and names the alternatives. */
    public static final int MAX_LISTED_PATHS = 10_000;

    private final String name;
    private final List<ProblemNode> problems;
    private final Map<String, ProblemNode> byName;
    private final List<Edge> upperToLower;
    private final List<Edge> lowerToUpper;
    private final List<String> leaves;
    /** lower-to-upper predecessors ("lowers of"), sorted by name */
    private final Map<String, SortedSet<String>> lowers = new HashMap<>();
    /** lower-to-upper successors ("uppers using the optimum of") */
    private final Map<String, List<String>> uppersOf = new HashMap<>();
    /** upper-to-lower successors: the problems whose cost reads an upper's parameters */
    private final Map<String, Set<String>> readers = new HashMap<>();
    private final Map<String, BigInteger> pathCounts = new ConcurrentHashMap<>();
    private volatile Set<String> differentiatedThrough;

    private Program(Builder b) {
        this.name = b.name;
        this.problems = List.copyOf(b.problems.values());
        this.byName = Collections.unmodifiableMap(new LinkedHashMap<>(b.problems));
        this.upperToLower = List.copyOf(b.upperToLower);
        this.lowerToUpper = List.copyOf(b.lowerToUpper);
        for (ProblemNode p : problems) {
            lowers.put(p.name(), new TreeSet<>());
            uppersOf.put(p.name(), new ArrayList<>());
            readers.put(p.name(), new HashSet<>());
        }
        for (Edge e : lowerToUpper) {
            lowers.get(e.to()).add(e.from());
            uppersOf.get(e.from()).add(e.to());
        }
        for (Edge e : upperToLower) {
            readers.get(e.from()).add(e.to());
        }
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

    /**
     * The number of backpropagation paths of {@code upper}'s hypergradient: for each
     * upper-to-lower edge {@code upper -> L}, the lower-to-upper paths from {@code L} up to
     * {@code upper}. Linear in the number of edges (paths counted per node, highest level first).
     */
    public BigInteger pathCount(String upper) {
        problem(upper);
        return pathCounts.computeIfAbsent(upper, u -> {
            Map<String, BigInteger> toUpper = pathsUpTo(u);
            BigInteger total = BigInteger.ZERO;
            for (String lower : readers.get(u)) {
                total = total.add(toUpper.getOrDefault(lower, BigInteger.ZERO));
            }
            return total;
        });
    }

    /** For every problem, the number of lower-to-upper paths from it up to {@code upper}. */
    private Map<String, BigInteger> pathsUpTo(String upper) {
        Map<String, BigInteger> count = new HashMap<>();
        count.put(upper, BigInteger.ONE);
        // lower-to-upper edges go strictly up in level, so highest level first is a topological order
        List<ProblemNode> byLevelDescending = new ArrayList<>(problems);
        byLevelDescending.sort((a, b) -> Integer.compare(b.level(), a.level()));
        for (ProblemNode p : byLevelDescending) {
            if (p.name().equals(upper)) {
                continue;
            }
            BigInteger n = BigInteger.ZERO;
            for (String up : uppersOf.get(p.name())) {
                n = n.add(count.getOrDefault(up, BigInteger.ZERO));
            }
            if (n.signum() > 0) {
                count.put(p.name(), n);
            }
        }
        return count;
    }

    /**
     * Every backpropagation path of {@code upper}'s hypergradient, sorted lexicographically;
     * empty when it has none. Lists at most {@link #MAX_LISTED_PATHS} paths.
     *
     * @throws IllegalStateException when {@code upper} has more paths than that, naming the count
     *     and the alternatives
     */
    public List<List<String>> pathsOf(String upper) {
        BigInteger count = pathCount(upper);
        if (count.compareTo(BigInteger.valueOf(MAX_LISTED_PATHS)) > 0) {
            throw new IllegalStateException("program " + name + ": upper problem " + upper + " has " + count
                    + " backpropagation paths, more than the " + MAX_LISTED_PATHS + " pathsOf lists. Fix: use"
                    + " pathCount(\"" + upper + "\") for their number, or pathsOf(\"" + upper + "\", limit) for the"
                    + " first ones in order.");
        }
        return pathsOf(upper, MAX_LISTED_PATHS);
    }

    /**
     * The first {@code limit} backpropagation paths of {@code upper}'s hypergradient in
     * lexicographic order. The work is proportional to the paths listed (times their length),
     * not to the number of paths there are.
     */
    public List<List<String>> pathsOf(String upper, int limit) {
        problem(upper);
        if (limit < 0) {
            throw new IllegalArgumentException("program " + name + ": a path limit must be 0 or more, got " + limit);
        }
        Set<String> useful = leadingToAReader(upper);
        List<List<String>> out = new ArrayList<>();
        List<String> prefix = new ArrayList<>();
        prefix.add(upper);
        collectPaths(upper, upper, useful, prefix, out, limit);
        return Collections.unmodifiableList(out);
    }

    /**
     * The problems inside some path of {@code upper} (as {@code x1 .. L}): every {@code x} with
     * a reader {@code L} of {@code upper}'s parameters below it ({@code L ->* x}) and a
     * lower-to-upper path from {@code x} up to {@code upper}.
     */
    private Set<String> leadingToAReader(String upper) {
        Set<String> useful = new HashSet<>();
        ArrayDeque<String> queue = new ArrayDeque<>();
        Map<String, BigInteger> toUpper = pathsUpTo(upper);
        for (String lower : readers.get(upper)) {
            if (toUpper.containsKey(lower) && useful.add(lower)) {
                queue.add(lower);
            }
        }
        while (!queue.isEmpty()) {
            String x = queue.poll();
            for (String up : uppersOf.get(x)) {
                if (!up.equals(upper) && toUpper.containsKey(up) && useful.add(up)) {
                    queue.add(up);
                }
            }
        }
        return useful;
    }

    /** Depth-first from the top; at each problem the next entries in name order, closing the path where it may. */
    private void collectPaths(String upper, String at, Set<String> useful, List<String> prefix,
            List<List<String>> out, int limit) {
        SortedSet<String> next = new TreeSet<>();
        for (String lower : lowers.get(at)) {
            if (useful.contains(lower)) {
                next.add(lower);
            }
        }
        boolean closes = !at.equals(upper) && readers.get(upper).contains(at);
        if (closes) {
            next.add(upper);
        }
        for (String n : next) {
            if (out.size() >= limit) {
                return;
            }
            prefix.add(n);
            if (n.equals(upper)) {
                out.add(List.copyOf(prefix));
            } else {
                collectPaths(upper, n, useful, prefix, out, limit);
            }
            prefix.remove(prefix.size() - 1);
        }
    }

    /**
     * Problems some upper problem differentiates through, i.e. inside some path (as
     * {@code x1 .. L}): their best-response method matters. By reachability, never by listing paths.
     */
    public Set<String> differentiatedThrough() {
        Set<String> result = differentiatedThrough;
        if (result == null) {
            Set<String> out = new TreeSet<>();
            for (ProblemNode u : problems) {
                if (!readers.get(u.name()).isEmpty()) {
                    out.addAll(leadingToAReader(u.name()));
                }
            }
            result = Collections.unmodifiableSet(out);
            differentiatedThrough = result;
        }
        return result;
    }

    /** Problems with no lower problem: each global step steps every leaf once. */
    public List<String> leaves() {
        return leaves;
    }

    /** A short multi-line description: problems, edges, leaves, path counts. */
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
        for (ProblemNode p : problems) {
            BigInteger count = pathCount(p.name());
            if (count.signum() > 0) {
                s.append("  paths of ").append(p.name()).append(": ").append(count).append('\n');
            }
        }
        return s.toString();
    }

    public static final class Builder {
        private final String name;
        private final Map<String, ProblemNode> problems = new LinkedHashMap<>();
        private final Set<Edge> upperToLower = new LinkedHashSet<>();
        private final Set<Edge> lowerToUpper = new LinkedHashSet<>();
        private final List<List<String>> declaredPaths = new ArrayList<>();

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

        /**
         * Declares that the program has the backpropagation path {@code [U, x1, ..., L, U]};
         * {@link #build()} checks that its edges exist. Optional: paths are derived from the
         * edges, a declaration only documents and checks one.
         */
        public Builder path(String... problemNames) {
            declaredPaths.add(List.of(problemNames));
            return this;
        }

        public Program build() {
            for (Edge e : upperToLower) {
                checkEdge(e, "upper-to-lower", true);
            }
            for (Edge e : lowerToUpper) {
                checkEdge(e, "lower-to-upper", false);
            }
            for (List<String> path : declaredPaths) {
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
