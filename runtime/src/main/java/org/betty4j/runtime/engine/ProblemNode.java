package org.betty4j.runtime.engine;

import java.util.Objects;
import org.betty4j.annotations.Rules;
import org.betty4j.runtime.hypergrad.HypergradConfig;
import org.betty4j.runtime.problem.CostFunction;
import org.betty4j.runtime.problem.Trainable;

/**
 * One problem of a program as the engine sees it: the user's instance, its training step
 * adapted to a {@link CostFunction}, and its static configuration. Built by the generated
 * wiring.
 */
public final class ProblemNode {

    private final String name;
    private final int level;
    private final Trainable trainable;
    private final CostFunction costFunction;
    private final int unrollSteps;
    private final HypergradConfig hypergrad;
    private final int warmupSteps;
    private final int gradientAccumulation;
    private final double clipGradNorm;
    private final boolean rollBack;

    private ProblemNode(Builder b) {
        this.name = b.name;
        this.level = b.level;
        this.trainable = b.trainable;
        this.costFunction = b.costFunction;
        this.unrollSteps = b.unrollSteps;
        this.hypergrad = b.hypergrad;
        this.warmupSteps = b.warmupSteps;
        this.gradientAccumulation = b.gradientAccumulation;
        this.clipGradNorm = b.clipGradNorm;
        this.rollBack = b.rollBack;
    }

    /** A builder holding every setting of this node, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder(name, level, trainable);
        b.costFunction = costFunction;
        b.unrollSteps = unrollSteps;
        b.hypergrad = hypergrad;
        b.warmupSteps = warmupSteps;
        b.gradientAccumulation = gradientAccumulation;
        b.clipGradNorm = clipGradNorm;
        b.rollBack = rollBack;
        return b;
    }

    public static Builder builder(String name, int level, Trainable trainable) {
        return new Builder(name, level, trainable);
    }

    public String name() {
        return name;
    }

    public int level() {
        return level;
    }

    public Trainable trainable() {
        return trainable;
    }

    public CostFunction costFunction() {
        return costFunction;
    }

    public int unrollSteps() {
        return unrollSteps;
    }

    /** How upper gradients are carried through this problem's best-response Jacobian. */
    public HypergradConfig hypergrad() {
        return hypergrad;
    }

    /** Local steps before this problem first signals its uppers (they wait for a trained lower). */
    public int warmupSteps() {
        return warmupSteps;
    }

    /** Local steps whose gradients are averaged into one parameter update. */
    public int gradientAccumulation() {
        return gradientAccumulation;
    }

    /** Maximum global L2 norm of an update's gradient; 0 turns clipping off. */
    public double clipGradNorm() {
        return clipGradNorm;
    }

    /**
     * Roll-back (Betty): after the uppers step, return to the parameters and optimizer state of
     * the inner loop's start and take one step on the last batch with the uppers' new parameters.
     */
    public boolean rollBack() {
        return rollBack;
    }

    @Override
    public String toString() {
        return name + " (level " + level + ")";
    }

    public static final class Builder {
        private final String name;
        private final int level;
        private final Trainable trainable;
        private CostFunction costFunction;
        private int unrollSteps = 1;
        private HypergradConfig hypergrad = HypergradConfig.defaults(Rules.DEFAULT_METHOD);
        private int warmupSteps;
        private int gradientAccumulation = 1;
        private double clipGradNorm;
        private boolean rollBack;

        public Builder optRollBack(boolean rollBack) {
            this.rollBack = rollBack;
            return this;
        }

        private Builder(String name, int level, Trainable trainable) {
            this.name = Objects.requireNonNull(name, "name");
            this.level = level;
            this.trainable = Objects.requireNonNull(trainable, "trainable");
            Rules.LEVEL.require(name, level);
            Rules.checkName(name).ifPresent(problem -> {
                throw new IllegalArgumentException("problem name \"" + name + "\" " + problem);
            });
        }

        /** The training step; required. */
        public Builder costFunction(CostFunction costFunction) {
            this.costFunction = Objects.requireNonNull(costFunction, "costFunction");
            return this;
        }

        public Builder optUnrollSteps(int unrollSteps) {
            this.unrollSteps = Rules.UNROLL_STEPS.require(name, unrollSteps);
            return this;
        }

        public Builder optHypergrad(HypergradConfig hypergrad) {
            this.hypergrad = Objects.requireNonNull(hypergrad, "hypergrad");
            return this;
        }

        public Builder optWarmupSteps(int warmupSteps) {
            this.warmupSteps = Rules.WARMUP_STEPS.require(name, warmupSteps);
            return this;
        }

        public Builder optGradientAccumulation(int steps) {
            this.gradientAccumulation = Rules.GRADIENT_ACCUMULATION.require(name, steps);
            return this;
        }

        public Builder optClipGradNorm(double maxNorm) {
            this.clipGradNorm = Rules.CLIP_GRAD_NORM.require(name, maxNorm);
            return this;
        }

        public ProblemNode build() {
            if (rollBack && gradientAccumulation > 1) {
                throw new IllegalStateException(name + ": roll-back with gradient accumulation is not supported; "
                        + "use one of them");
            }
            if (costFunction == null) {
                throw new IllegalStateException(name + ": no cost function (training step) was given");
            }
            return new ProblemNode(this);
        }
    }
}
