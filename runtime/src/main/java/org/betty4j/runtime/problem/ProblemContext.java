package org.betty4j.runtime.problem;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;

/**
 * What a problem gets at {@link Trainable#setUp}: its own array manager (closed by the engine
 * at the end of the run), a seed derived from the run seed and the problem's name, and the
 * program options given on the command line ({@code --set key=value}).
 */
public final class ProblemContext {

    private final String problemName;
    private final NDManager manager;
    private final long seed;
    private final Map<String, String> options;
    private final int globalSteps;
    private final DataType dataType;
    private final java.util.Set<String> asked = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final DataType computeType;

    public ProblemContext(String problemName, NDManager manager, long seed, Map<String, String> options, int globalSteps,
            DataType dataType) {
        this(problemName, manager, seed, options, globalSteps, dataType, DataType.FLOAT32);
    }

    public ProblemContext(String problemName, NDManager manager, long seed, Map<String, String> options, int globalSteps,
            DataType dataType, DataType computeType) {
        this.problemName = Objects.requireNonNull(problemName, "problemName");
        this.manager = Objects.requireNonNull(manager, "manager");
        this.seed = seed;
        this.options = Map.copyOf(options);
        this.globalSteps = globalSteps;
        this.dataType = Objects.requireNonNull(dataType, "dataType");
        this.computeType = Objects.requireNonNull(computeType, "computeType");
    }

    /**
     * The type to compute matrix products in under mixed precision: hand it to
     * {@code MixedPrecision.linear} or {@code MixedPrecision.forward}. FLOAT32 (no mixed
     * precision) unless the run asked for BFLOAT16 or FLOAT16; parameters and data stay in
     * {@link #dataType()} either way.
     */
    public DataType computeType() {
        return computeType;
    }

    /**
     * The run's precision: create parameters (e.g. {@code block.initialize(manager(), dataType(), shape)})
     * and floating data in it. FLOAT32 unless the run asked otherwise.
     */
    public DataType dataType() {
        return dataType;
    }

    /**
     * Global steps the run will take (a leaf problem takes one local step per global step), e.g.
     * to size a learning-rate schedule.
     */
    public int globalSteps() {
        return globalSteps;
    }

    public String problemName() {
        return problemName;
    }

    /** The problem's own manager; the engine closes it when the run ends. */
    public NDManager manager() {
        return manager;
    }

    /** A seed for this problem, stable for a given run seed and problem name. */
    public long seed() {
        return seed;
    }

    /** A fresh generator seeded with {@link #seed()}. */
    public Random newRandom() {
        return new Random(seed);
    }

    /**
     * The learning rate this problem should use: the run's override ({@code --lr <problem>=RATE}
     * on the generated command line, the program option {@link #learningRateKey}) or
     * {@code defaultRate}.
     */
    public float learningRate(float defaultRate) {
        return option(learningRateKey(problemName)).map(Float::parseFloat).orElse(defaultRate);
    }

    /** The program option that carries a learning-rate override for {@code problem}. */
    public static String learningRateKey(String problem) {
        return problem + ".lr";
    }

    /**
     * A program option given as {@code key=value}, if any. Read options here, in setUp: the keys
     * asked for are recorded ({@link #optionsAsked()}), so the command line can reject a given
     * option that no problem reads (a typo) before the first step.
     */
    public Optional<String> option(String key) {
        asked.add(key);
        return Optional.ofNullable(options.get(key));
    }

    /** The keys {@link #option(String)} was asked for so far, present or not. */
    public java.util.Set<String> optionsAsked() {
        return java.util.Set.copyOf(asked);
    }

    public Map<String, String> options() {
        return options;
    }
}
