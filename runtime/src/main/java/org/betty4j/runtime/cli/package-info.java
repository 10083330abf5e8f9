/**
 * The command line of a generated {@code main}: {@link org.betty4j.runtime.cli.ProgramMain} runs
 * a program with the options listed by {@code --help}: it parses them into an
 * {@link org.betty4j.runtime.engine.EngineConfig} and adds the files and outputs a run leaves.
 */
package org.betty4j.runtime.cli;
