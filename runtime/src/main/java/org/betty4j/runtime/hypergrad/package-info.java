/**
 * How a problem is differentiated through: {@link org.betty4j.runtime.hypergrad.HypergradConfig}
 * (method, α, iterations, first order), as {@code @Hypergrad} or the command line sets it. The
 * methods themselves are internal to the runtime.
 */
package org.betty4j.runtime.hypergrad;
