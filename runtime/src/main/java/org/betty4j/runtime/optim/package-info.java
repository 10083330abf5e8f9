/**
 * Optimizers ({@link org.betty4j.runtime.optim.Sgd}, {@link org.betty4j.runtime.optim.Adam}),
 * each an {@link org.betty4j.runtime.optim.UpdateRule} written once and differentiated from the
 * same definition by ITD_RMAD; learning-rate schedules; dynamic loss scaling for FLOAT16.
 */
package org.betty4j.runtime.optim;
