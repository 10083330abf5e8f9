package org.betty4j.runtime.autograd;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works around a use-after-free in DJL 0.36's PyTorch engine that silently corrupts gradients.
 *
 * <p>On CPU, DJL creates every array from Java data ({@code manager.create(...)}, and the scalar
 * of every {@code x.mul(2.0)}, {@code x.div(n)}, {@code x.pow(3)}…) with {@code torch::from_blob}
 * over a direct {@link ByteBuffer} that only the Java array keeps reachable. Closing the array
 * drops that reference, yet autograd may still hold the tensor: {@code x.mul(0.5)} closes its
 * scalar at once while the graph saved it for the backward pass. If a garbage collection frees
 * the buffer before the backward pass and the memory is reused, the gradient is computed from
 * whatever is there now — measured: 148 of 200 gradients of {@code (3x).sum()} wrong when a
 * collection and some allocation happen between the forward and the backward pass.
 *
 * <p>{@link #retainUntilClosed(NDManager)} makes a manager keep the buffers of the arrays closed
 * in it until the manager itself is closed: the engine does it for every step's manager, whose
 * closing frees the step's graphs, so every graph of a step reads valid memory. Do it for a
 * short-lived manager only (the buffers accumulate until it closes). If DJL's internals change
 * so that this cannot be installed, a warning says so once and nothing else changes.
 */
public final class ClosedArrayBuffers {

    private static final Logger LOG = LoggerFactory.getLogger(ClosedArrayBuffers.class);
    private static final Field RESOURCES;
    private static final Field DATA_REF;
    private static volatile boolean warned;

    static {
        Field resources = null;
        Field dataRef = null;
        try {
            resources = BaseNDManager.class.getDeclaredField("resources");
            resources.setAccessible(true);
            dataRef = PtNDArray.class.getDeclaredField("dataRef");
            dataRef.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            resources = null;
            dataRef = null;
        }
        RESOURCES = resources;
        DATA_REF = dataRef;
    }

    private ClosedArrayBuffers() {}

    /** Whether the workaround can be installed with this DJL version. */
    public static boolean available() {
        return RESOURCES != null && DATA_REF != null;
    }

    /**
     * From now until {@code manager} is closed, the Java buffers of arrays closed in it stay
     * reachable (so their memory cannot be freed under a graph that still uses it).
     */
    @SuppressWarnings("unchecked")
    public static void retainUntilClosed(NDManager manager) {
        if (!available() || !(manager instanceof BaseNDManager)) {
            warnOnce("this DJL version's internals are not the expected ones");
            return;
        }
        try {
            ConcurrentHashMap<String, AutoCloseable> current =
                    (ConcurrentHashMap<String, AutoCloseable>) RESOURCES.get(manager);
            if (current instanceof RetainingResources) {
                return;
            }
            RetainingResources retaining = new RetainingResources();
            retaining.putAll(current);
            RESOURCES.set(manager, retaining);
        } catch (ReflectiveOperationException | RuntimeException e) {
            warnOnce(e.toString());
        }
    }

    /** {@link #retainUntilClosed} and returns {@code manager}, for try-with-resources. */
    public static NDManager retaining(NDManager manager) {
        retainUntilClosed(manager);
        return manager;
    }

    private static void warnOnce(String why) {
        if (!warned) {
            warned = true;
            LOG.warn("cannot protect gradients from DJL's from_blob use-after-free ({}): a garbage collection "
                    + "between a forward and a backward pass may corrupt a gradient", why);
        }
    }

    /**
     * A manager's resource map that, when an array leaves it (closed or detached), keeps the
     * array's Java buffer. DJL removes the array from its manager before clearing the buffer
     * reference, so the buffer is still readable here.
     */
    private static final class RetainingResources extends ConcurrentHashMap<String, AutoCloseable> {
        private static final long serialVersionUID = 1L;
        private final transient List<ByteBuffer> retained = new ArrayList<>();

        @Override
        public AutoCloseable remove(Object key) {
            AutoCloseable removed = super.remove(key);
            if (removed instanceof PtNDArray array) {
                try {
                    Object buffer = DATA_REF.get(array);
                    if (buffer instanceof ByteBuffer b) {
                        synchronized (retained) {
                            retained.add(b);
                        }
                    }
                } catch (IllegalAccessException e) {
                    warnOnce(e.toString());
                }
            }
            return removed;
        }
    }
}
