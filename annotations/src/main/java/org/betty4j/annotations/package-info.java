/**
 * The annotations of a multilevel program ({@link org.betty4j.annotations.Level},
 * {@link org.betty4j.annotations.TrainingStep}, {@link org.betty4j.annotations.Upper},
 * {@link org.betty4j.annotations.Lower}, {@link org.betty4j.annotations.Hypergrad}) and the rule
 * catalogue {@link org.betty4j.annotations.Rules} that the processor, the builders and the
 * command line all read.
 */
package org.betty4j.annotations;
