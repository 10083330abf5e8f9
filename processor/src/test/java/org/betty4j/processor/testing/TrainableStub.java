package org.betty4j.processor.testing;

import ai.djl.nn.ParameterList;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;

/**
 * Base class of the test fixtures' problems: the processor only needs a {@link Trainable},
 * and wiring tests build programs without running them, so nothing here is ever called.
 */
public abstract class TrainableStub implements Trainable {

    @Override
    public void setUp(ProblemContext context) {
        throw new UnsupportedOperationException("fixture problems are wired, not run");
    }

    @Override
    public ParameterList parameters() {
        return new ParameterList();
    }

    @Override
    public Optimizer optimizer() {
        throw new UnsupportedOperationException("fixture problems are wired, not run");
    }

    @Override
    public BatchSource data() {
        throw new UnsupportedOperationException("fixture problems are wired, not run");
    }
}
