package org.betty4j.runtime.autograd;

import ai.djl.pytorch.jni.JniUtils;

/**
 * A scope with gradient recording switched on or off, restoring the previous mode on close.
 * Used for in-place parameter changes (optimizer updates, finite-difference perturbations),
 * which libtorch forbids on leaves while recording.
 *
 * <pre>{@code
 * try (GradMode off = GradMode.disabled()) {
 *   param.addi(direction.mul(eps));
 * }
 * }</pre>
 */
public final class GradMode implements AutoCloseable {

    private final boolean previous;

    private GradMode(boolean enabled) {
        this.previous = JniUtils.isGradMode();
        JniUtils.setGradMode(enabled);
    }

    /** Recording off until {@link #close()}. */
    public static GradMode disabled() {
        return new GradMode(false);
    }

    /** Recording on until {@link #close()}. */
    public static GradMode enabled() {
        return new GradMode(true);
    }

    public static boolean isEnabled() {
        return JniUtils.isGradMode();
    }

    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
