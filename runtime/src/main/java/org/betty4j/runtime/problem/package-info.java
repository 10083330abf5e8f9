/**
 * What a user's problem class is: {@link org.betty4j.runtime.problem.Problem} (the base class
 * that keeps model, optimizer and data) or {@link org.betty4j.runtime.problem.Trainable}, the
 * {@link org.betty4j.runtime.problem.Cost} its training step returns, and the
 * {@link org.betty4j.runtime.problem.ProblemContext} it is set up with, and
 * {@link org.betty4j.runtime.problem.Validating} for a problem with held-out metrics, and
 * {@link org.betty4j.runtime.problem.Scripted} for a problem whose step can run as one TorchScript call.
 */
package org.betty4j.runtime.problem;
