package org.betty4j.runtime.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * When each problem steps. The engine's schedule depends on the program's structure alone
 * (unroll steps, gradient accumulation, warm-up, the lower-to-upper edges), never on data or
 * values, so it can be replayed without training: this class counts the global steps a run
 * needs for its outer problems to take a given number of steps.
 *
 * <p>The <em>outer</em> problems are those whose optimum no other problem uses (the top of the
 * program; in a single-problem program, the problem itself). A <em>global step</em> steps every
 * leaf problem once.
 */
public final class StepSchedule {

    private StepSchedule() {}

    /** The problems whose optimum no other problem uses, in the program's order. */
    public static List<String> outerProblems(Program program) {
        List<String> outer = new ArrayList<>();
        for (ProblemNode p : program.problems()) {
            if (program.uppersUsingOptimumOf(p.name()).isEmpty()) {
                outer.add(p.name());
            }
        }
        return outer;
    }

    /**
     * The fewest global steps after which every outer problem of {@code program} has taken at
     * least {@code outerSteps} steps (exactly that many for the slowest one); 0 for 0.
     *
     * @throws IllegalArgumentException if {@code outerSteps} is negative, or the run would need
     *     more than {@link Integer#MAX_VALUE} global steps
     */
    public static int globalStepsFor(Program program, int outerSteps) {
        if (outerSteps < 0) {
            throw new IllegalArgumentException("outer steps must be >= 0, got " + outerSteps);
        }
        Replay replay = new Replay(program);
        List<String> outer = outerProblems(program);
        long global = 0;
        while (!outer.stream().allMatch(name -> replay.steps.get(name) >= outerSteps)) {
            global++;
            if (global > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(outerSteps + " steps of " + outer + " need more than "
                        + Integer.MAX_VALUE + " global steps");
            }
            replay.globalStep();
        }
        return (int) global;
    }

    /** Local step counts of every problem after {@code globalSteps} global steps. */
    public static Map<String, Integer> localStepsAfter(Program program, int globalSteps) {
        Replay replay = new Replay(program);
        for (int g = 0; g < globalSteps; g++) {
            replay.globalStep();
        }
        return replay.steps;
    }

    /** The engine's step rule, on counters only. */
    private static final class Replay {
        final Program program;
        final Map<String, Integer> steps = new LinkedHashMap<>();
        final Map<String, Map<String, Boolean>> ready = new LinkedHashMap<>();

        Replay(Program program) {
            this.program = program;
            for (ProblemNode p : program.problems()) {
                steps.put(p.name(), 0);
                Map<String, Boolean> lowers = new LinkedHashMap<>();
                program.lowersOf(p.name()).forEach(l -> lowers.put(l, false));
                ready.put(p.name(), lowers);
            }
        }

        void globalStep() {
            for (String leaf : program.leaves()) {
                step(leaf);
            }
        }

        /** As {@code Engine.step}: a problem steps once all its lowers signalled, then may signal its uppers. */
        private void step(String name) {
            Map<String, Boolean> lowersReady = ready.get(name);
            if (lowersReady.containsValue(false)) {
                return;
            }
            ProblemNode node = program.problem(name);
            int cycle = node.unrollSteps() * node.gradientAccumulation();
            int local = steps.merge(name, 1, Integer::sum);
            lowersReady.replaceAll((k, v) -> false);
            if (local % cycle == 0 && local > node.warmupSteps()) {
                for (String upper : program.uppersUsingOptimumOf(name)) {
                    ready.get(upper).put(name, true);
                    step(upper);
                }
            }
        }
    }
}
