/**
 * Running a multilevel program: {@link org.betty4j.runtime.engine.Program} (problems and the two
 * kinds of edges, as the generated wiring builds it), {@link org.betty4j.runtime.engine.Engine}
 * (the paper's execution schedule, hypergradients by reverse accumulation, checkpoints),
 * {@link org.betty4j.runtime.engine.EngineConfig} (run settings: validation, early stopping,
 * run-time hypergradient methods, ...), {@link org.betty4j.runtime.engine.EarlyStopping} and
 * {@link org.betty4j.runtime.engine.EngineListener} (callbacks), with the exceptions a run raises.
 */
package org.betty4j.runtime.engine;
