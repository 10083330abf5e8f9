package org.betty4j.processor.model;

import org.betty4j.annotations.Hypergrad;
import org.betty4j.annotations.Level;
import org.betty4j.annotations.Lower;
import org.betty4j.annotations.TrainingStep;
import org.betty4j.annotations.Upper;

/** Qualified names of the annotations and of the runtime/DJL types the processor checks against. */
public final class Names {

    private Names() {}

    public static final String LEVEL = Level.class.getCanonicalName();
    public static final String TRAINING_STEP = TrainingStep.class.getCanonicalName();
    public static final String UPPER = Upper.class.getCanonicalName();
    public static final String LOWER = Lower.class.getCanonicalName();
    public static final String HYPERGRAD = Hypergrad.class.getCanonicalName();

    /** Looked up by name: the processor itself does not depend on the runtime. */
    public static final String TRAINABLE = "org.betty4j.runtime.problem.Trainable";
    public static final String COST = "org.betty4j.runtime.problem.Cost";
    public static final String BATCH = "ai.djl.training.dataset.Batch";
    public static final String NDARRAY = "ai.djl.ndarray.NDArray";

    public static final String RUNTIME_ENGINE_PACKAGE = "org.betty4j.runtime.engine";
}
