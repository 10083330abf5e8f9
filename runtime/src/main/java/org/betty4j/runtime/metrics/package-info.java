/**
 * What a run leaves behind: the JSON-lines {@link org.betty4j.runtime.metrics.MetricsFile}, loss
 * plots, the self-contained HTML {@link org.betty4j.runtime.metrics.RunReport}, MLflow tracking
 * ({@link org.betty4j.runtime.metrics.MlflowListener}); each also records validations.
 */
package org.betty4j.runtime.metrics;
