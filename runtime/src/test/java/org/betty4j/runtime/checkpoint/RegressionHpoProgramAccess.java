package org.betty4j.runtime.checkpoint;

import org.betty4j.runtime.engine.Program;

/** The checkpoint test's program, for the benchmark in another package. */
public final class RegressionHpoProgramAccess {

    private RegressionHpoProgramAccess() {}

    public static Program program() {
        return RegressionHpoProgram.program();
    }
}
