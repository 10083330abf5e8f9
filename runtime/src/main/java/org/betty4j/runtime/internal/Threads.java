package org.betty4j.runtime.internal;

import ai.djl.pytorch.jni.JniUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libtorch's CPU threads, set consistently when an engine starts: the intra-op pool (which also
 * sets OpenMP's and MKL's thread count: libtorch's {@code at::set_num_threads} does all three)
 * and the inter-op pool (which libtorch lets be set only before its first use, so the count is
 * also put in DJL's {@code ai.djl.pytorch.num_interop_threads} property before the PyTorch
 * engine loads).
 *
 * <p>The automatic count is 1 on machines with 2 cores or fewer: measured with the project's
 * step benchmark on 2 shared cores, libtorch's own default (2 intra-op threads plus OpenMP) was
 * never faster than one thread on any program and, when other processes loaded the machine, 8
 * to 19 times slower on the MLP programs (OpenMP workers spin waiting for a descheduled peer). With more cores it is
 * half of them, leaving the rest to the JVM (JIT, GC) and the data pipeline; that choice was not
 * measured here. An explicit count (EngineConfig or {@code --threads}) wins; with the automatic
 * setting, the DJL system property {@code ai.djl.pytorch.num_threads} given by the user wins.
 * Results are bit-identical only at the same thread count.
 */
public final class Threads {

    static final String INTRA_OP_PROPERTY = "ai.djl.pytorch.num_threads";
    static final String INTER_OP_PROPERTY = "ai.djl.pytorch.num_interop_threads";

    private static final Logger LOG = LoggerFactory.getLogger(Threads.class);

    // as the user gave them, before this class sets the properties itself
    private static final Integer USER_INTRA_OP = Integer.getInteger(INTRA_OP_PROPERTY);
    private static final Integer USER_INTER_OP = Integer.getInteger(INTER_OP_PROPERTY);

    /** The thread counts in effect. */
    public record Settings(int intraOp, int interOp) {}

    private Threads() {}

    /** The count used when none is asked for: 1 on 2 cores or fewer, else half the cores. */
    public static int automatic() {
        int cores = Runtime.getRuntime().availableProcessors();
        return cores <= 2 ? 1 : cores / 2;
    }

    /**
     * Sets libtorch's threads to {@code requested} (0: automatic) and returns what is in effect.
     * Called by the engine at start, before it loads the PyTorch engine; may be called earlier by a
     * main that wants the counts set before anything touches DJL.
     */
    public static synchronized Settings apply(int requested) {
        if (requested < 0) {
            throw new IllegalArgumentException("threads must be >= 1 (or 0 for automatic), got " + requested);
        }
        int intra = requested > 0 ? requested : USER_INTRA_OP != null ? USER_INTRA_OP : automatic();
        int inter = requested > 0 ? requested : USER_INTER_OP != null ? USER_INTER_OP : intra;
        // read by DJL when the PyTorch engine loads: the only time the inter-op count can be set
        System.setProperty(INTRA_OP_PROPERTY, Integer.toString(intra));
        System.setProperty(INTER_OP_PROPERTY, Integer.toString(inter));
        ai.djl.engine.Engine.getEngine("PyTorch");
        if (JniUtils.getNumThreads() != intra) {
            JniUtils.setNumThreads(intra);
        }
        if (JniUtils.getNumInteropThreads() != inter) {
            try {
                JniUtils.setNumInteropThreads(inter);
            } catch (RuntimeException e) {
                LOG.warn("inter-op threads stay at {} (asked for {}): libtorch fixes them once used; set the "
                        + "threads before the first engine runs", JniUtils.getNumInteropThreads(), inter);
            }
        }
        Settings settings = new Settings(JniUtils.getNumThreads(), JniUtils.getNumInteropThreads());
        LOG.info("threads: {} intra-op (OpenMP too), {} inter-op{}", settings.intraOp(), settings.interOp(),
                requested > 0 ? "" : " (automatic for " + Runtime.getRuntime().availableProcessors() + " cores)");
        return settings;
    }
}
