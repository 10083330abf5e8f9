package org.betty4j.runtime.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Runs a {@link Program}: placeholder body, being written. */
public final class Engine implements AutoCloseable {

    private final Program program;
    private final EngineConfig config;
    private final List<EngineListener> listeners = new ArrayList<>();

    public Engine(Program program, EngineConfig config) {
        this.program = Objects.requireNonNull(program, "program");
        this.config = Objects.requireNonNull(config, "config");
    }

    public Engine addListener(EngineListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    public Program program() {
        return program;
    }

    public EngineConfig config() {
        return config;
    }

    public void run() {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void close() {}
}
