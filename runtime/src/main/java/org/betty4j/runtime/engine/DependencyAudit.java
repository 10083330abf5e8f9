package org.betty4j.runtime.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.betty4j.runtime.autograd.Autograd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks that each problem's cost depends only on the parameters of the problems its
 * annotations connect it to (its own, its {@code @Upper} and its {@code @Lower} problems): the
 * cost's gradient with respect to every other problem's parameters must be zero. An undeclared
 * read would otherwise be left out of every hypergradient without a word. The check reuses the
 * step's loss, so it changes no result.
 */
final class DependencyAudit {

    private static final Logger LOG = LoggerFactory.getLogger(DependencyAudit.class);

    /** Problem name -> the problems its cost must not read. */
    private final Map<String, List<String>> unconnected = new LinkedHashMap<>();
    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    private final String programName;
    private long nanos;

    /**
     * @param lowers problem -> the problems whose optimum its cost reads
     * @param readers problem -> the problems whose cost reads its current parameters
     */
    DependencyAudit(Program program, Map<String, List<String>> lowers, Map<String, List<String>> readers) {
        this.programName = program.name();
        for (ProblemNode p : program.problems()) {
            List<String> others = new ArrayList<>();
            for (ProblemNode q : program.problems()) {
                boolean connected = q == p || lowers.get(p.name()).contains(q.name())
                        || readers.get(q.name()).contains(p.name());
                if (!connected) {
                    others.add(q.name());
                }
            }
            unconnected.put(p.name(), List.copyOf(others));
        }
    }

    /** Audits every problem at its next step. */
    void requestAll() {
        pending.addAll(unconnected.keySet());
    }

    /** Whether {@code problem}'s next step audits its cost. */
    boolean isDue(String problem) {
        return pending.contains(problem);
    }

    /** Time spent in audits so far. */
    long nanos() {
        return nanos;
    }

    /**
     * If {@code problem} is due for an audit, checks that {@code loss}, its cost, has a zero
     * gradient with respect to the parameters of every problem it is not connected to. A read
     * whose gradient happens to be exactly zero at this step is not seen; nothing else is
     * reported falsely.
     *
     * @throws UndeclaredDependencyException naming the cost, the problem read and the annotation to add
     */
    void checkIfDue(ProblemState problem, NDArray loss, Map<String, ProblemState> states, int globalStep) {
        if (!pending.remove(problem.node.name())) {
            return;
        }
        List<String> others = unconnected.get(problem.node.name());
        if (!others.isEmpty()) {
            long start = System.nanoTime();
            NDList inputs = new NDList();
            others.forEach(o -> inputs.addAll(states.get(o).params));
            NDList grads = Autograd.get().grad(loss, inputs, false);
            int at = 0;
            for (String other : others) {
                ProblemState read = states.get(other);
                for (int i = 0; i < read.params.size(); i++) {
                    try (NDArray nonZero = grads.get(at + i).countNonzero()) {
                        if (nonZero.getLong() > 0) {
                            throw undeclared(problem, read, read.paramNames.get(i), globalStep);
                        }
                    }
                }
                at += read.params.size();
            }
            long took = System.nanoTime() - start;
            nanos += took;
            LOG.debug("{}: dependency audit at local step {}: the cost reads no parameters of {} ({} ms)",
                    problem.node.name(), problem.localSteps, others, String.format("%.2f", took / 1e6));
        }
        if (pending.isEmpty()) {
            LOG.info("{}: dependency audit passed: every cost reads only the problems its annotations connect it to"
                    + " ({} ms in audits so far)", programName, String.format("%.1f", nanos / 1e6));
        }
    }

    private static UndeclaredDependencyException undeclared(ProblemState problem, ProblemState read, String parameter,
            int globalStep) {
        ProblemNode cost = problem.node;
        ProblemNode other = read.node;
        String costClass = className(cost);
        String readClass = className(other);
        String readType = readClass.equals(other.name()) ? readClass : readClass + " (problem " + other.name() + ")";
        String target = costClass.equals(cost.name()) ? costClass : costClass + " (problem " + cost.name() + ")";
        String field = Character.toLowerCase(readClass.charAt(0)) + readClass.substring(1);
        String fix;
        if (other.level() > cost.level()) {
            fix = "add `@Upper " + readClass + " " + field + ";` to " + target + ", for " + readType
                    + " is at level " + other.level() + " above " + cost.name() + " at level " + cost.level();
        } else if (other.level() < cost.level()) {
            fix = "add `@Lower " + readClass + " " + field + ";` to " + target + ", for " + readType
                    + " is at level " + other.level() + " below " + cost.name() + " at level " + cost.level();
        } else {
            fix = cost.name() + " and " + other.name() + " are both at level " + cost.level()
                    + ", and a cost can use only problems at other levels: move one of them to another level and "
                    + "connect them with @Upper or @Lower, or stop reading " + other.name() + "'s parameters";
        }
        return new UndeclaredDependencyException(cost.name(), other.name(), cost.name() + ": the training step "
                + "(cost) reads the parameters of " + other.name() + " (parameter '" + parameter + "' has a non-zero "
                + "gradient at local step " + problem.localSteps + ", global step " + globalStep + "), but no "
                + "annotation connects " + cost.name() + " to " + other.name() + ", so hypergradients would leave "
                + "this dependency out without a warning. Fix: " + fix);
    }

    private static String className(ProblemNode node) {
        String simple = node.trainable().getClass().getSimpleName();
        return simple.isEmpty() ? node.name() : simple;
    }
}
