package org.betty4j.runtime.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.annotations.Rules;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineListener;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.hypergrad.HypergradConfig;
import org.betty4j.runtime.optim.Optimizer;

/**
 * Per-problem command-line overrides ({@code --unroll}, {@code --lr}, {@code --warmup},
 * {@code --grad-accumulation}, {@code --clip}) applied to a program: a copy with the same problems
 * and edges (hence the same paths), re-checked by {@link Program.Builder#build()}. A value that
 * cannot take effect is a {@link UsageException}, never silently ignored.
 *
 * <p>{@code --method}, {@code --alpha} and {@code --iterations-of} resolve to one
 * {@link HypergradConfig} per problem ({@link #hypergrad(Program)}), which the command line hands
 * to {@link org.betty4j.runtime.engine.EngineConfig.Builder#optHypergrad}: a run from the command
 * line and one from code change methods through the same {@code EngineConfig.applyTo}.
 *
 * <p>The learning rate belongs to the optimizer each problem builds itself, so {@code --lr}
 * works with the problem's cooperation: the value is handed to {@code setUp} as the program
 * option {@link ProgramMain#learningRateKey(String)}, and when the run starts the optimizer the
 * problem returns must have that learning rate ({@link #learningRateCheck()}), else the run
 * stops with an error naming the problem.
 */
final class ProgramOverrides {

    Map<String, Integer> unroll = Map.of();
    Map<String, HypergradMethod> method = Map.of();
    Map<String, Double> alpha = Map.of();
    Map<String, Integer> iterations = Map.of();
    Map<String, Float> learningRate = Map.of();
    Map<String, Integer> warmup = Map.of();
    Map<String, Integer> gradientAccumulation = Map.of();
    Map<String, Double> clip = Map.of();

    /** Program options the overrides add ({@code <Problem>.lr}). */
    Map<String, String> options() {
        Map<String, String> out = new LinkedHashMap<>();
        learningRate.forEach((problem, lr) -> out.put(ProgramMain.learningRateKey(problem), Float.toString(lr)));
        return out;
    }

    Program apply(Program program) {
        checkNames(program, "--unroll", unroll.keySet());
        checkNames(program, "--method", method.keySet());
        checkNames(program, "--alpha", alpha.keySet());
        checkNames(program, "--iterations-of", iterations.keySet());
        checkNames(program, "--lr", learningRate.keySet());
        checkNames(program, "--warmup", warmup.keySet());
        checkNames(program, "--grad-accumulation", gradientAccumulation.keySet());
        checkNames(program, "--clip", clip.keySet());
        Program.Builder copy = Program.builder(program.name());
        for (ProblemNode p : program.problems()) {
            copy.problem(override(p));
        }
        program.upperToLower().forEach(e -> copy.upperToLower(e.from(), e.to()));
        program.lowerToUpper().forEach(e -> copy.lowerToUpper(e.from(), e.to()));
        return copy.build();
    }

    private static void checkNames(Program program, String option, Set<String> names) {
        List<String> known = program.problems().stream().map(ProblemNode::name).toList();
        for (String name : names) {
            if (!known.contains(name)) {
                throw new UsageException(option + " " + name + "=...: program " + program.name()
                        + " has no problem named '" + name + "'; its problems are " + String.join(", ", known));
            }
        }
    }

    /**
     * The methods {@code --method}, {@code --alpha} and {@code --iterations-of} ask for, by problem:
     * a changed method starts from its defaults, a kept one from the program's settings.
     */
    Map<String, HypergradConfig> hypergrad(Program program) {
        Map<String, HypergradConfig> out = new LinkedHashMap<>();
        for (ProblemNode p : program.problems()) {
            String name = p.name();
            if (method.containsKey(name) || alpha.containsKey(name) || iterations.containsKey(name)) {
                out.put(name, hypergrad(name, p.hypergrad()));
            }
        }
        return out;
    }

    private ProblemNode override(ProblemNode p) {
        String name = p.name();
        int unrollSteps = unroll.getOrDefault(name, p.unrollSteps());
        require("--unroll", name, unrollSteps, Rules.UNROLL_STEPS);
        if (learningRate.containsKey(name)) {
            float lr = learningRate.get(name);
            require("--lr", name, lr, Rules.LEARNING_RATE);
        }
        // toBuilder keeps every setting no option names (warm-up, accumulation, clipping, roll-back, ...)
        ProblemNode.Builder node = p.toBuilder().optUnrollSteps(unrollSteps);
        if (warmup.containsKey(name)) {
            node.optWarmupSteps(require("--warmup", name, warmup.get(name), Rules.WARMUP_STEPS));
        }
        if (gradientAccumulation.containsKey(name)) {
            node.optGradientAccumulation(require("--grad-accumulation", name, gradientAccumulation.get(name),
                    Rules.GRADIENT_ACCUMULATION));
        }
        if (clip.containsKey(name)) {
            node.optClipGradNorm(require("--clip", name, clip.get(name), Rules.CLIP_GRAD_NORM));
        }
        try {
            return node.build();
        } catch (IllegalStateException e) {
            throw new UsageException("settings for " + name + ": " + e.getMessage());
        }
    }

    /** The value if the rule catalogue allows it, else a usage error naming the option, problem and value. */
    private static int require(String option, String problem, int value, Rules.IntRule rule) {
        rule.check(value).ifPresent(r -> {
            throw new UsageException(option + " " + problem + "=" + value + ": " + rule.label() + " " + r);
        });
        return value;
    }

    private static double require(String option, String problem, double value, Rules.DoubleRule rule) {
        rule.check(value).ifPresent(r -> {
            throw new UsageException(option + " " + problem + "=" + value + ": " + rule.label() + " " + r);
        });
        return value;
    }

    private HypergradConfig hypergrad(String name, HypergradConfig current) {
        HypergradMethod m = method.getOrDefault(name, current.method());
        boolean sameMethod = m == current.method();
        if (alpha.containsKey(name) && !m.usesAlpha()) {
            throw new UsageException("--alpha " + name + "=" + alpha.get(name) + ": " + name + " uses " + m
                    + ", which has no alpha");
        }
        if (iterations.containsKey(name) && !m.usesIterations()) {
            throw new UsageException("--iterations-of " + name + "=" + iterations.get(name) + ": " + name + " uses " + m
                    + ", which has no iterations");
        }
        if (alpha.containsKey(name)) {
            require("--alpha", name, alpha.get(name), Rules.ALPHA);
        }
        if (iterations.containsKey(name)) {
            require("--iterations-of", name, iterations.get(name), Rules.ITERATIONS);
        }
        double a = alpha.getOrDefault(name, sameMethod ? current.alpha() : m.defaultAlpha());
        int k = iterations.getOrDefault(name, sameMethod ? current.iterations() : m.defaultIterations());
        try {
            return new HypergradConfig(m, a, k, sameMethod && current.firstOrder());
        } catch (IllegalArgumentException e) {
            throw new UsageException("hypergradient settings for " + name + ": " + e.getMessage());
        }
    }

    /** Checks, once every problem has built its optimizer, that each {@code --lr} took effect. */
    EngineListener learningRateCheck() {
        Map<String, Float> requested = Map.copyOf(learningRate);
        return new EngineListener() {
            @Override
            public void onRunStart(Engine engine) {
                requested.forEach((problem, lr) -> {
                    Optimizer optimizer = engine.program().problem(problem).trainable().optimizer();
                    if (Math.abs(optimizer.learningRate() - lr) > 1e-6f * lr) {
                        throw new IllegalStateException("--lr " + problem + "=" + lr + " did not take effect: "
                                + problem + "'s optimizer has learning rate " + optimizer.learningRate() + ". Fix: in "
                                + problem + ".setUp, build the optimizer with context.option(ProgramMain"
                                + ".learningRateKey(context.problemName())) when it is present (the option is \""
                                + ProgramMain.learningRateKey(problem) + "\").");
                    }
                });
            }
        };
    }
}
