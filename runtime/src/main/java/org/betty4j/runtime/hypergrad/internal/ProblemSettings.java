package org.betty4j.runtime.hypergrad.internal;

import org.betty4j.runtime.hypergrad.HypergradConfig;

import java.util.Objects;

/**
 * The settings of one problem a hypergradient method may refuse before any work (see
 * {@link BestResponseJacobian#validate}).
 *
 * @param name the problem's name, for messages
 * @param config its method and the method's parameters
 * @param unrollSteps local steps per inner loop
 * @param gradientAccumulation steps averaged into one update
 * @param clipGradNorm the maximum update norm, 0 for none
 * @param rollBack whether the problem rolls back after its uppers step
 */
public record ProblemSettings(String name, HypergradConfig config, int unrollSteps, int gradientAccumulation,
        double clipGradNorm, boolean rollBack) {

    public ProblemSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(config, "config");
    }
}
