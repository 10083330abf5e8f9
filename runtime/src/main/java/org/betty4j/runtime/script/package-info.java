/**
 * The fused scripted step: a problem's cost, gradient, non-finite checks and optimizer update
 * in one TorchScript call (see runtime/SCRIPTED.md). The engine uses it for problems that
 * implement {@link org.betty4j.runtime.problem.Scripted}; not exported.
 */
package org.betty4j.runtime.script;
