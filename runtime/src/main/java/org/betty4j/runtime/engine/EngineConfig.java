package org.betty4j.runtime.engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.betty4j.runtime.hypergrad.HypergradConfig;
import org.betty4j.runtime.internal.Threads;
import org.betty4j.runtime.problem.Validating;

/** Run-wide settings. Built with {@link #builder()}; every option has a sensible default. */
public final class EngineConfig {

    private final int iterations;
    private final long seed;
    private final int logEvery;
    private final boolean progressBar;
    private final boolean quiet;
    private final Map<String, String> options;
    private final boolean skipNonFinite;
    private final ai.djl.Device device;
    private final ai.djl.ndarray.types.DataType dataType;
    private final int checkpointEvery;
    private final java.nio.file.Path checkpointFile;
    private final java.nio.file.Path resumeFrom;
    private final boolean auditDependencies;
    private final int threads;
    private final int validateEvery;
    private final EarlyStopping earlyStopping;
    private final Map<String, HypergradConfig> hypergrad;

    private final ai.djl.ndarray.types.DataType computeType;
    private final java.util.function.Supplier<org.betty4j.runtime.optim.LossScaler> lossScaling;

    private EngineConfig(Builder b) {
        this.threads = b.threads;
        this.validateEvery = b.validateEvery;
        this.earlyStopping = b.earlyStopping;
        this.hypergrad = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.hypergrad));
        this.computeType = b.computeType;
        this.lossScaling = b.lossScaling;
        this.iterations = b.iterations;
        this.seed = b.seed;
        this.logEvery = b.logEvery;
        this.progressBar = b.progressBar;
        this.quiet = b.quiet;
        this.options = Map.copyOf(b.options);
        this.skipNonFinite = b.skipNonFinite;
        this.device = b.device;
        this.dataType = b.dataType;
        this.checkpointEvery = b.checkpointEvery;
        this.checkpointFile = b.checkpointFile;
        this.resumeFrom = b.resumeFrom;
        this.auditDependencies = b.auditDependencies;
    }

    /**
     * Validate every problem that implements {@link Validating} every this many global steps
     * and after the last one (0: never); see {@link EngineListener#onValidation}.
     */
    public int validateEvery() {
        return validateEvery;
    }

    /** The early stopping rule the engine applies to validations, if any. */
    public Optional<EarlyStopping> earlyStopping() {
        return Optional.ofNullable(earlyStopping);
    }

    /** Run-time hypergradient methods by problem name, replacing the programs' own (in the order given). */
    public Map<String, HypergradConfig> hypergrad() {
        return hypergrad;
    }

    /**
     * The program an engine with this configuration runs: {@code program} with the
     * {@link #hypergrad()} methods in place of its problems' own (a copy; the same problems,
     * edges and paths), after checking that the settings can take effect on it. The engine's
     * constructor calls this; so does the command line before a run, for its checks and
     * {@code --graph}. Applying it to its own result changes nothing.
     *
     * @throws IllegalArgumentException naming the setting, the problem and the value when a
     *     method names no problem of {@code program} or a problem on no backpropagation path, when
     *     validations are asked for but no problem implements {@link Validating}, or when early
     *     stopping watches a problem that does not
     */
    public Program applyTo(Program program) {
        List<String> names = program.problems().stream().map(ProblemNode::name).toList();
        List<String> validating = program.problems().stream().filter(p -> p.trainable() instanceof Validating)
                .map(ProblemNode::name).toList();
        if (validateEvery > 0 && validating.isEmpty()) {
            throw new IllegalArgumentException("validating every " + validateEvery + " global steps (--validate-every,"
                    + " optValidateEvery) has no effect: no problem of program " + program.name() + " implements "
                    + Validating.class.getName());
        }
        if (earlyStopping != null && !validating.contains(earlyStopping.problem())) {
            throw new IllegalArgumentException("early stopping " + earlyStopping + ": program " + program.name()
                    + " has no problem '" + earlyStopping.problem() + "' that implements "
                    + Validating.class.getSimpleName() + (validating.isEmpty() ? " (none does)"
                    : "; these do: " + String.join(", ", validating)));
        }
        if (hypergrad.isEmpty()) {
            return program;
        }
        Set<String> differentiated = program.differentiatedThrough();
        Program.Builder copy = program.toBuilder();
        hypergrad.forEach((name, method) -> {
            String setting = "hypergradient method " + name + "=" + method;
            if (!names.contains(name)) {
                throw new IllegalArgumentException(setting + ": program " + program.name() + " has no problem named '"
                        + name + "'; its problems are " + String.join(", ", names));
            }
            if (!differentiated.contains(name)) {
                throw new IllegalArgumentException(setting + ": " + name + " lies on no backpropagation path (no upper"
                        + " problem differentiates through it), so a method for it would have no effect");
            }
            copy.replace(program.problem(name).toBuilder().optHypergrad(method).build());
        });
        return copy.build();
    }

    /**
     * Whether the engine audits, at each problem's first step, that its cost reads only the
     * parameters of the problems its annotations connect it to (default true); see
     * {@link Engine#requestDependencyAudit()}.
     */
    public boolean auditDependencies() {
        return auditDependencies;
    }

    /** The device asked for; the engine falls back to the CPU when it cannot use it. */
    public ai.djl.Device device() {
        return device;
    }

    /**
     * The floating-point type problems are asked to use for parameters and data
     * ({@code ProblemContext.dataType()}); the engine checks at start-up that the device can
     * compute and differentiate in it.
     */
    public ai.djl.ndarray.types.DataType dataType() {
        return dataType;
    }

    /**
     * The type matrix products are computed in under mixed precision
     * ({@code ProblemContext.computeType()}, used by {@code MixedPrecision}); FLOAT32 when the
     * run uses no mixed precision.
     */
    public ai.djl.ndarray.types.DataType computeType() {
        return computeType;
    }

    /** Makes each problem's loss scaler under FLOAT16 mixed precision; null otherwise. */
    public java.util.function.Supplier<org.betty4j.runtime.optim.LossScaler> lossScaling() {
        return lossScaling;
    }

    /** Write a checkpoint every this many global steps (0: never). */
    public int checkpointEvery() {
        return checkpointEvery;
    }

    /** Where checkpoints are written (replaced atomically each time); null when not checkpointing. */
    public java.nio.file.Path checkpointFile() {
        return checkpointFile;
    }

    /** A checkpoint to resume from, or null to start afresh. */
    public java.nio.file.Path resumeFrom() {
        return resumeFrom;
    }

    /**
     * On a NaN or infinite loss or gradient: skip that update and go on (true), or stop the run
     * with a {@link NonFiniteValueException} (false, the default).
     */
    public boolean skipNonFinite() {
        return skipNonFinite;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** libtorch CPU threads (intra-op, inter-op, OpenMP) set at engine start; 0: {@link Threads#automatic()}. */
    public int threads() {
        return threads;
    }

    /** Global steps: each steps every leaf problem once. */
    public int iterations() {
        return iterations;
    }

    public long seed() {
        return seed;
    }

    /**
     * Log every problem's loss every this many of its local steps, and (without a progress bar)
     * the run's progress every this many global steps; 0: never.
     */
    public int logEvery() {
        return logEvery;
    }

    /** Draw a progress bar (meant for a terminal; without one, progress goes to log lines). */
    public boolean progressBar() {
        return progressBar;
    }

    /** The engine's informational lines (start, device, progress, losses, end) go to DEBUG; warnings stay. */
    public boolean quiet() {
        return quiet;
    }

    /** Program options ({@code key=value}) handed to every problem's {@code setUp}. */
    public Map<String, String> options() {
        return options;
    }

    public static final class Builder {

        private Builder() {}

        private int iterations = 1000;
        private long seed = 42;
        private int logEvery = 0;
        private boolean progressBar = false;
        private boolean quiet = false;
        private final Map<String, String> options = new LinkedHashMap<>();
        private boolean skipNonFinite;
        private ai.djl.Device device = ai.djl.Device.cpu();
        private ai.djl.ndarray.types.DataType dataType = ai.djl.ndarray.types.DataType.FLOAT32;

        /** Precision for problems' parameters and data: FLOAT32 (default), FLOAT64, BFLOAT16 or FLOAT16. */
        public Builder optDataType(ai.djl.ndarray.types.DataType dataType) {
            this.dataType = Precision.requireFloating(dataType);
            return this;
        }

        private ai.djl.ndarray.types.DataType computeType = ai.djl.ndarray.types.DataType.FLOAT32;
        private java.util.function.Supplier<org.betty4j.runtime.optim.LossScaler> lossScaling;
        private boolean lossScalingSet;

        /**
         * Mixed precision: parameters and data stay FLOAT32 (the master copy the optimizers
         * update) and layers computed through {@code MixedPrecision} run in {@code compute},
         * BFLOAT16 or FLOAT16 (FLOAT32: off). FLOAT16 comes with dynamic loss scaling, one
         * {@link org.betty4j.runtime.optim.LossScaler} with GradScaler's defaults per problem
         * unless {@link #optLossScaling} says otherwise.
         */
        public Builder optMixedPrecision(ai.djl.ndarray.types.DataType compute) {
            if (compute != ai.djl.ndarray.types.DataType.FLOAT32
                    && !org.betty4j.runtime.autograd.MixedPrecision.isLowPrecision(compute)) {
                throw new IllegalArgumentException("mixed-precision compute type " + compute.name()
                        + " is not supported; use BFLOAT16, FLOAT16, or FLOAT32 for none");
            }
            this.computeType = compute;
            return this;
        }

        /** How each problem's loss scaler is made under FLOAT16 mixed precision (a new one per problem). */
        public Builder optLossScaling(java.util.function.Supplier<org.betty4j.runtime.optim.LossScaler> scalers) {
            this.lossScaling = java.util.Objects.requireNonNull(scalers, "scalers");
            this.lossScalingSet = true;
            return this;
        }

        /** The device to train on (default CPU); an unusable GPU falls back to the CPU with a log line. */
        public Builder optDevice(ai.djl.Device device) {
            this.device = java.util.Objects.requireNonNull(device, "device");
            return this;
        }
        private int checkpointEvery;
        private java.nio.file.Path checkpointFile;
        private java.nio.file.Path resumeFrom;
        private boolean auditDependencies = true;

        /**
         * Audit each problem's cost at its first step for parameters of problems its annotations
         * do not connect it to (default true; one extra backward pass per problem, once).
         */
        public Builder optAuditDependencies(boolean audit) {
            this.auditDependencies = audit;
            return this;
        }

        /**
         * Checkpoints the whole run to {@code file} after every {@code everyGlobalSteps} global
         * steps (and after the last); each write replaces the previous one atomically.
         */
        public Builder optCheckpoint(java.nio.file.Path file, int everyGlobalSteps) {
            if (everyGlobalSteps < 1) {
                throw new IllegalArgumentException("checkpoint interval must be >= 1 global step, got " + everyGlobalSteps);
            }
            this.checkpointFile = java.util.Objects.requireNonNull(file, "file");
            this.checkpointEvery = everyGlobalSteps;
            return this;
        }

        /** Resumes from a checkpoint written by a run of the same program and settings. */
        public Builder optResumeFrom(java.nio.file.Path file) {
            this.resumeFrom = java.util.Objects.requireNonNull(file, "file");
            return this;
        }

        public Builder optSkipNonFinite(boolean skip) {
            this.skipNonFinite = skip;
            return this;
        }

        public Builder optIterations(int iterations) {
            if (iterations < 0) {
                throw new IllegalArgumentException("iterations must be >= 0, got " + iterations);
            }
            this.iterations = iterations;
            return this;
        }

        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder optLogEvery(int logEvery) {
            if (logEvery < 0) {
                throw new IllegalArgumentException("logEvery must be >= 0, got " + logEvery);
            }
            this.logEvery = logEvery;
            return this;
        }

        public Builder optProgressBar(boolean progressBar) {
            this.progressBar = progressBar;
            return this;
        }

        /** Informational lines at DEBUG instead of INFO (warnings and errors are unaffected). */
        public Builder optQuiet(boolean quiet) {
            this.quiet = quiet;
            return this;
        }

        public Builder optOption(String key, String value) {
            options.put(key, value);
            return this;
        }

        public Builder optOptions(Map<String, String> values) {
            options.putAll(values);
            return this;
        }

        private int threads;
        private int validateEvery;
        private EarlyStopping earlyStopping;
        private final Map<String, HypergradConfig> hypergrad = new LinkedHashMap<>();

        /**
         * Validates every problem that implements {@link Validating} every {@code everyGlobalSteps}
         * global steps and after the last (default 0: never); the metrics go to
         * {@link EngineListener#onValidation} and to early stopping.
         */
        public Builder optValidateEvery(int everyGlobalSteps) {
            if (everyGlobalSteps < 0) {
                throw new IllegalArgumentException("validation interval must be 0 (never) or more global steps, got "
                        + everyGlobalSteps);
            }
            this.validateEvery = everyGlobalSteps;
            return this;
        }

        /** Stops the run when a validation metric stops improving; needs {@link #optValidateEvery}. */
        public Builder optEarlyStopping(EarlyStopping rule) {
            this.earlyStopping = Objects.requireNonNull(rule, "rule");
            return this;
        }

        /**
         * Runs {@code problem} with the hypergradient method {@code method} instead of the one
         * its {@code @Hypergrad} (or the default) gives; {@code problem} must lie on a
         * backpropagation path. The method's settings are checked by {@link HypergradConfig}
         * (the rule catalogue) and, when the engine is built, by the method itself.
         */
        public Builder optHypergrad(String problem, HypergradConfig method) {
            hypergrad.put(Objects.requireNonNull(problem, "problem"), Objects.requireNonNull(method, "method"));
            return this;
        }

        /**
         * libtorch's CPU threads for the run, intra-op, inter-op and OpenMP alike (default 0:
         * automatic, see {@link Threads}). Results are bit-identical only at the same count.
         */
        public Builder optThreads(int threads) {
            if (threads < 0) {
                throw new IllegalArgumentException("threads must be >= 1, or 0 for automatic, got " + threads);
            }
            this.threads = threads;
            return this;
        }

        public EngineConfig build() {
            if (earlyStopping != null && validateEvery == 0) {
                throw new IllegalArgumentException("early stopping " + earlyStopping + " needs validations: add"
                        + " --validate-every N (optValidateEvery)");
            }
            ai.djl.ndarray.types.DataType fp32 = ai.djl.ndarray.types.DataType.FLOAT32;
            if (computeType != fp32 && dataType != fp32) {
                throw new IllegalArgumentException("mixed precision (" + computeType.name() + " compute) keeps FLOAT32 "
                        + "master parameters, but the data type is " + dataType.name() + ": leave optDataType at FLOAT32");
            }
            if (lossScalingSet && computeType != ai.djl.ndarray.types.DataType.FLOAT16) {
                throw new IllegalArgumentException("loss scaling is for FLOAT16 mixed precision, but the compute type is "
                        + computeType.name() + (computeType == ai.djl.ndarray.types.DataType.BFLOAT16
                        ? " (BFLOAT16 has FLOAT32's exponent range and needs none)" : ""));
            }
            if (computeType == ai.djl.ndarray.types.DataType.FLOAT16 && lossScaling == null) {
                lossScaling = () -> org.betty4j.runtime.optim.LossScaler.builder().build();
            }
            return new EngineConfig(this);
        }
    }
}
