/**
 * The command line of a generated {@code main}: {@link org.betty4j.runtime.cli.ProgramMain} runs
 * a program with the options listed by {@code --help}; a problem that implements
 * {@link org.betty4j.runtime.cli.Validating} is validated during the run.
 */
package org.betty4j.runtime.cli;
